//! Reading and writing CSV files into [`Table`]s, with type inference.
//!
//! ## Types
//!
//! Unless a column's type is given with [`CsvOptions::with_type`], it is
//! inferred from all its non-missing fields (leading/trailing ASCII spaces are
//! ignored for numbers, booleans and dates):
//!
//! 1. **numeric** if every field parses as `f64` and none is an
//!    *identifier* (below). An 8-digit `YYYYMMDD` such as `19970101` becomes
//!    the number 19970101 — give such columns [`ColumnType::Date`]
//!    explicitly;
//! 2. **boolean** if every field is one of `true false TRUE FALSE True False`
//!    (`yes`/`no`, `0`/`1` are *not* inferred as booleans);
//! 3. **date** if every field is `YYYY-MM-DD`;
//! 4. **categorical** otherwise.
//!
//! A column whose fields are all missing is numeric (all missing). Missing
//! tokens default to `""`, `NA`, `NaN`, `nan`, `null`, `NULL`, `N/A`.
//!
//! ### Identifiers stay text
//!
//! Customer, order and postal codes are often written with digits, but they
//! are names, not quantities: reading `00004` and `4` as the same number
//! would merge two customers. So a column is inferred as **text**
//! (categorical, every field kept as written) when any of its fields
//! (after trimming spaces, after an optional sign) has
//!
//! * an integer part of two or more digits starting with `0`: `007`,
//!   `00042`, `-01`, `00.5`; or
//! * more than 15 digits and nothing else, e.g. `12345678901234567`:
//!   beyond 15 digits not every integer is exactly an `f64`, so two
//!   distinct ids could become one number.
//!
//! `0` itself, `-0`, decimals such as `0.5`, `-0.25` and `.5`, exponents
//! such as `0e3` or `1e20`, and long decimals such as `3.14159265358979323`
//! are numbers. A column forced to [`ColumnType::Numeric`] with
//! [`CsvOptions::with_type`] still reads `007` as 7: the caller asked for
//! it. Asking a text column for numbers ([`Table::numeric`]) gives an error
//! that quotes the first value that made it text and where it is.
//!
//! Under an explicit type, booleans also accept `yes/no`, `y/n`, `t/f`, `1/0`
//! in any case, dates also accept `YYYYMMDD`, and a field that cannot be read
//! as the type is an [`Error::Parse`] naming file, line, column and value.
//!
//! Dates must be plausible: a date before 1900-01-01 or after 2100-12-31 in
//! a date column (inferred or forced) is an [`Error::Parse`] naming line,
//! column and value, since `0001-01-01` and `9999-12-31` are placeholders
//! or typos far more often than data. [`CsvOptions::date_window`] widens (or
//! narrows) the window.
//!
//! ## Blank lines
//!
//! Blank lines count as lines (an error names the line an editor shows)
//! but are not rows: in a file of two or more columns a row needs its
//! delimiters. In a **one-column** file an empty field *is* a blank line,
//! so there a blank line after the header (or after the first row of a
//! file without one) and before the last row is read as an empty field — a
//! missing value at that line, counted like any other
//! ([`Column::missing_count`]); blank lines before the header and after the
//! last row are not rows. A one-column table written by [`write_csv`]
//! quotes an empty field (`""`), so it reads back the same.
//!
//! ```
//! use ua_data::csv_io::{read_csv_reader, CsvOptions};
//! let t = read_csv_reader(&b"x\n1\n\n3\n\n"[..], "one.csv", &CsvOptions::default()).unwrap();
//! assert_eq!(t.n_rows(), 3);
//! assert_eq!(t.numeric("x").unwrap().missing_count(), 1);
//! assert_eq!(t.locate(1), "line 3");
//! ```
//!
//! ## Errors
//!
//! A row with another number of fields than the header, an unterminated
//! quote (detected as an odd number of quote characters in the file, reported
//! at the record where the open quote runs to the end of the file), invalid
//! UTF-8 in a text field and an unparseable value under an override are
//! errors with the file name and the 1-based line number as a text editor
//! shows it.
//!
//! ## Speed
//!
//! Fields are read as raw bytes (`csv::ByteRecord`, no per-field `String`)
//! into one contiguous buffer per column; once the whole file is in, every
//! column is typed and converted on its own (in parallel with rayon), and its
//! raw buffer is freed. Categorical strings are interned through a hash map so
//! each distinct string is allocated once.
//!
//! ```
//! use ua_data::csv_io::{read_csv_reader, write_csv_writer, CsvOptions};
//! use ua_data::ColumnType;
//!
//! let data = "user,amount,day,vip\nu1,10.5,2024-01-02,true\nu2,NA,2024-01-03,false\n";
//! let t = read_csv_reader(data.as_bytes(), "orders.csv", &CsvOptions::default()).unwrap();
//! assert_eq!(t.column("amount").unwrap().dtype(), ColumnType::Numeric);
//! assert_eq!(t.column("day").unwrap().dtype(), ColumnType::Date);
//! assert_eq!(t.column("vip").unwrap().dtype(), ColumnType::Boolean);
//! assert_eq!(t.numeric("amount").unwrap().missing_count(), 1);
//!
//! let mut out = Vec::new();
//! write_csv_writer(&t, &mut out).unwrap();
//! assert_eq!(String::from_utf8(out).unwrap(), "user,amount,day,vip\nu1,10.5,2024-01-02,true\nu2,,2024-01-03,false\n");
//! ```

use std::fs::File;
use std::io::{BufWriter, Read, Write};
use std::path::Path;

use rayon::prelude::*;

use crate::date::{
    PLAUSIBLE_MAX, PLAUSIBLE_MIN, format_date, parse_date_bytes, parse_iso_date_bytes,
};
use crate::table::hash::FastMap;
use crate::{
    BooleanColumn, CategoricalColumn, Column, ColumnType, DateColumn, Error, NumericColumn, Result,
    Table,
};

/// How to read a CSV file. Build with [`CsvOptions::default`] and the setters.
///
/// ```
/// use ua_data::csv_io::CsvOptions;
/// use ua_data::ColumnType;
/// let opts = CsvOptions::default()
///     .delimiter(b';')
///     .missing_tokens(["", "-"])
///     .with_type("zip", ColumnType::Categorical);
/// assert_eq!(opts.get_delimiter(), b';');
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct CsvOptions {
    delimiter: u8,
    quote: Option<u8>,
    has_header: bool,
    missing_tokens: Vec<String>,
    types: Vec<(String, ColumnType)>,
    infer_dates: bool,
    date_window: (i32, i32),
}

impl Default for CsvOptions {
    fn default() -> Self {
        CsvOptions {
            delimiter: b',',
            quote: Some(b'"'),
            has_header: true,
            missing_tokens: ["", "NA", "NaN", "nan", "null", "NULL", "N/A"]
                .iter()
                .map(|s| s.to_string())
                .collect(),
            types: Vec::new(),
            infer_dates: true,
            date_window: (PLAUSIBLE_MIN, PLAUSIBLE_MAX),
        }
    }
}

impl CsvOptions {
    /// Field delimiter (default `,`).
    ///
    /// ```
    /// let o = ua_data::csv_io::CsvOptions::default().delimiter(b'\t');
    /// assert_eq!(o.get_delimiter(), b'\t');
    /// ```
    pub fn delimiter(mut self, d: u8) -> Self {
        self.delimiter = d;
        self
    }

    /// The delimiter in use.
    ///
    /// ```
    /// assert_eq!(ua_data::csv_io::CsvOptions::default().get_delimiter(), b',');
    /// ```
    pub fn get_delimiter(&self) -> u8 {
        self.delimiter
    }

    /// Quote character (default `"`); `None` switches quoting off, so quote
    /// characters are ordinary data.
    ///
    /// ```
    /// let o = ua_data::csv_io::CsvOptions::default().quote(None);
    /// let t = ua_data::csv_io::read_csv_reader(&b"a\n5\"\n"[..], "x", &o).unwrap();
    /// assert_eq!(t.categorical("a").unwrap().get(0), Some("5\""));
    /// ```
    pub fn quote(mut self, q: Option<u8>) -> Self {
        self.quote = q;
        self
    }

    /// Whether the first row holds the column names (default `true`). Without
    /// a header, columns are named `column_1`, `column_2`, ...
    ///
    /// ```
    /// let o = ua_data::csv_io::CsvOptions::default().has_header(false);
    /// let t = ua_data::csv_io::read_csv_reader(&b"1,2\n"[..], "x", &o).unwrap();
    /// assert_eq!(t.column_names(), vec!["column_1", "column_2"]);
    /// ```
    pub fn has_header(mut self, yes: bool) -> Self {
        self.has_header = yes;
        self
    }

    /// Replaces the list of fields that mean "missing" (compared after
    /// trimming ASCII spaces).
    ///
    /// ```
    /// let o = ua_data::csv_io::CsvOptions::default().missing_tokens(["?"]);
    /// let t = ua_data::csv_io::read_csv_reader(&b"a\n?\n1\n"[..], "x", &o).unwrap();
    /// assert_eq!(t.numeric("a").unwrap().missing_count(), 1);
    /// ```
    pub fn missing_tokens<I, S>(mut self, tokens: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.missing_tokens = tokens.into_iter().map(Into::into).collect();
        self
    }

    /// Gives column `name` a fixed type instead of inferring it. The column
    /// must exist in the file.
    ///
    /// ```
    /// use ua_data::{csv_io::{read_csv_reader, CsvOptions}, ColumnType};
    /// let o = CsvOptions::default().with_type("day", ColumnType::Date);
    /// let t = read_csv_reader(&b"day\n19970101\n"[..], "x", &o).unwrap();
    /// assert_eq!(t.date("day").unwrap().get(0), ua_data::date::parse_date("1997-01-01"));
    /// ```
    pub fn with_type(mut self, name: impl Into<String>, dtype: ColumnType) -> Self {
        let name = name.into();
        self.types.retain(|(n, _)| n != &name);
        self.types.push((name, dtype));
        self
    }

    /// Whether `YYYY-MM-DD` columns are inferred as dates (default `true`;
    /// when `false` they stay categorical unless overridden).
    ///
    /// ```
    /// let o = ua_data::csv_io::CsvOptions::default().infer_dates(false);
    /// let t = ua_data::csv_io::read_csv_reader(&b"d\n2024-01-01\n"[..], "x", &o).unwrap();
    /// assert_eq!(t.column("d").unwrap().dtype(), ua_data::ColumnType::Categorical);
    /// ```
    pub fn infer_dates(mut self, yes: bool) -> Self {
        self.infer_dates = yes;
        self
    }

    /// The window of plausible dates, first and last day inclusive (days
    /// since 1970-01-01, see [`crate::date`]); default 1900-01-01 to
    /// 2100-12-31 ([`PLAUSIBLE_MIN`], [`PLAUSIBLE_MAX`]). A date outside it
    /// — `0001-01-01`, `9999-12-31`, a year typed as `2204` — in a date
    /// column (inferred or forced) is an [`Error::Parse`] naming the line,
    /// the column and the value, not a silently accepted date. Widen the
    /// window for historical or far-future data; `min > max` is swapped.
    ///
    /// ```
    /// use ua_data::csv_io::{read_csv_reader, CsvOptions};
    /// use ua_data::date::parse_date;
    /// let csv = "day\n1850-03-01\n";
    /// let err = read_csv_reader(csv.as_bytes(), "old.csv", &CsvOptions::default()).unwrap_err();
    /// assert!(err.to_string().contains("line 2, column `day`: cannot parse `1850-03-01`"), "{err}");
    /// let wide = CsvOptions::default()
    ///     .date_window(parse_date("1800-01-01").unwrap(), parse_date("2100-12-31").unwrap());
    /// let t = read_csv_reader(csv.as_bytes(), "old.csv", &wide).unwrap();
    /// assert_eq!(t.date("day").unwrap().get(0), parse_date("1850-03-01"));
    /// ```
    pub fn date_window(mut self, min: i32, max: i32) -> Self {
        self.date_window = (min.min(max), min.max(max));
        self
    }

    /// The window of plausible dates, `(first, last)` day.
    ///
    /// ```
    /// use ua_data::csv_io::CsvOptions;
    /// use ua_data::date::{PLAUSIBLE_MAX, PLAUSIBLE_MIN};
    /// assert_eq!(CsvOptions::default().get_date_window(), (PLAUSIBLE_MIN, PLAUSIBLE_MAX));
    /// ```
    pub fn get_date_window(&self) -> (i32, i32) {
        self.date_window
    }
}

/// Reads a CSV file into a table.
///
/// ```
/// use ua_data::csv_io::{read_csv, write_csv, CsvOptions};
/// use ua_data::{Column, Table};
/// let path = std::env::temp_dir().join(format!("ua_data_doc_read_{}.csv", std::process::id()));
/// let t = Table::new(vec![("x".into(), Column::numeric(vec![1.0, 2.5]))]).unwrap();
/// write_csv(&t, &path).unwrap();
/// let back = read_csv(&path, &CsvOptions::default()).unwrap();
/// assert_eq!(back, t);
/// std::fs::remove_file(&path).unwrap();
/// assert!(read_csv(&path, &CsvOptions::default()).is_err()); // gone: an Io error naming the path
/// ```
pub fn read_csv(path: impl AsRef<Path>, opts: &CsvOptions) -> Result<Table> {
    let path = path.as_ref();
    let file = File::open(path).map_err(|source| Error::Io {
        path: path.display().to_string(),
        source,
    })?;
    read_csv_reader(
        std::io::BufReader::with_capacity(1 << 16, file),
        &path.display().to_string(),
        opts,
    )
}

/// Watches the bytes as they go by: counts quote characters, to detect an
/// unterminated quote (which the `csv` crate silently runs to the end of the
/// input), and notes where the line breaks are, to give each record the
/// line an editor shows. The `csv` crate's own record position is not that
/// line: it is taken *before* the blank lines the parser skips, it counts a
/// `\r\n` only when it reads the next record (a CRLF file's records would
/// all be one line short) and it does not count a lone `\r` (old Mac files)
/// at all.
struct QuoteCounter<R> {
    inner: R,
    quote: Option<u8>,
    count: u64,
    eof: bool,
    /// Bytes read so far.
    offset: u64,
    prev_cr: bool,
    /// Line breaks not yet passed by the parser: offset, and whether it
    /// starts a new line (`\n`, or `\r` — the `\n` of a `\r\n` does not).
    /// The parser trails the reader by at most its buffer, so this stays
    /// small.
    breaks: std::collections::VecDeque<(u64, bool)>,
    /// Line breaks before the parser's position.
    lines_passed: u64,
}

impl<R> QuoteCounter<R> {
    fn new(inner: R, quote: Option<u8>) -> Self {
        QuoteCounter {
            inner,
            quote,
            count: 0,
            eof: false,
            offset: 0,
            prev_cr: false,
            breaks: std::collections::VecDeque::new(),
            lines_passed: 0,
        }
    }

    /// The editor's line (1-based) of a record (or error) that the `csv`
    /// crate places at `pos`: after the line breaks before `pos` and the
    /// blank lines right at `pos`, which the parser skips.
    fn line_at(&mut self, pos: Option<&csv::Position>) -> u64 {
        self.line_and_blanks_at(pos).0
    }

    /// [`line_at`](Self::line_at) and the number of blank lines the parser
    /// skipped right before the record (they are the lines just above it).
    fn line_and_blanks_at(&mut self, pos: Option<&csv::Position>) -> (u64, u64) {
        let Some(pos) = pos else { return (0, 0) };
        let mut start = pos.byte();
        let mut blanks = 0;
        while let Some(&(at, new_line)) = self.breaks.front() {
            if at > start {
                break;
            }
            if at == start {
                start += 1;
                // A line break where a record should start ends a blank
                // line (the `\n` of a `\r\n` does not start a new line).
                blanks += u64::from(new_line);
            }
            self.lines_passed += u64::from(new_line);
            self.breaks.pop_front();
        }
        (self.lines_passed + 1, blanks)
    }
}

impl<R: Read> Read for QuoteCounter<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        if n == 0 {
            self.eof = true;
        }
        let q = self.quote;
        for (i, &b) in buf[..n].iter().enumerate() {
            if Some(b) == q {
                self.count += 1;
            } else if b == b'\n' {
                self.breaks
                    .push_back((self.offset + i as u64, !self.prev_cr));
            } else if b == b'\r' {
                self.breaks.push_back((self.offset + i as u64, true));
            }
            self.prev_cr = b == b'\r';
        }
        self.offset += n as u64;
        Ok(n)
    }
}

/// Raw fields of one column: field `i` is `buf[ends[i - 1]..ends[i]]`.
#[derive(Default)]
struct RawColumn {
    buf: Vec<u8>,
    ends: Vec<usize>,
}

impl RawColumn {
    fn field(&self, i: usize) -> &[u8] {
        let start = if i == 0 { 0 } else { self.ends[i - 1] };
        &self.buf[start..self.ends[i]]
    }
    fn iter(&self) -> impl Iterator<Item = &[u8]> + '_ {
        let mut start = 0;
        self.ends.iter().map(move |&e| {
            let f = &self.buf[start..e];
            start = e;
            f
        })
    }
}

/// Reads CSV from any reader; `name` stands for the file in error messages.
///
/// ```
/// use ua_data::csv_io::{read_csv_reader, CsvOptions};
/// let err = read_csv_reader(&b"a,b\n1,2\n3\n"[..], "orders.csv", &CsvOptions::default()).unwrap_err();
/// assert_eq!(err.to_string(), "orders.csv, line 3: ragged row: expected 2 fields (as in the header), found 1");
/// ```
pub fn read_csv_reader<R: Read>(reader: R, name: &str, opts: &CsvOptions) -> Result<Table> {
    let counter = QuoteCounter::new(reader, opts.quote);
    let mut rdr = csv::ReaderBuilder::new()
        .delimiter(opts.delimiter)
        .quote(opts.quote.unwrap_or(b'"'))
        .quoting(opts.quote.is_some())
        .has_headers(false)
        .flexible(false)
        .buffer_capacity(1 << 16)
        .from_reader(counter);

    let mut rec = csv::ByteRecord::new();
    let mut names: Vec<String> = Vec::new();
    let mut raw: Vec<RawColumn> = Vec::new();
    let mut lines: Vec<u64> = Vec::new();
    let mut header_line = 1;
    let mut last_line = 0;
    let mut first = true;
    loop {
        match rdr.read_byte_record(&mut rec) {
            Ok(true) => {}
            Ok(false) => break,
            Err(e) => {
                let c = rdr.get_mut();
                let (eof, odd) = (c.eof, c.count % 2 == 1);
                let line = c.line_at(e.position());
                return Err(csv_error(name, e, line, eof && odd));
            }
        }
        let (line, blanks) = rdr.get_mut().line_and_blanks_at(rec.position());
        last_line = line;
        // In a one-column file a blank line between rows is an empty field
        // (the parser skips it): keep it as a row, so it is counted as a
        // missing value at its line instead of vanishing.
        if !first && raw.len() == 1 {
            let col = &mut raw[0];
            for blank in line.saturating_sub(blanks)..line {
                lines.push(blank);
                col.ends.push(col.buf.len());
            }
        }
        if first {
            first = false;
            raw = (0..rec.len()).map(|_| RawColumn::default()).collect();
            if opts.has_header {
                header_line = line;
                for (j, f) in rec.iter().enumerate() {
                    let s = std::str::from_utf8(f).map_err(|_| Error::Csv {
                        source_name: name.to_owned(),
                        line,
                        message: format!("header field {} is not valid UTF-8", j + 1),
                    })?;
                    // A UTF-8 byte-order mark before the first name is not part of it.
                    let s = if j == 0 {
                        s.trim_start_matches('\u{feff}')
                    } else {
                        s
                    };
                    names.push(s.trim().to_owned());
                }
                continue;
            }
            names = (1..=rec.len()).map(|j| format!("column_{j}")).collect();
        }
        lines.push(line);
        for (col, f) in raw.iter_mut().zip(rec.iter()) {
            col.buf.extend_from_slice(f);
            col.ends.push(col.buf.len());
        }
    }
    if rdr.get_ref().count % 2 == 1 {
        return Err(Error::Csv {
            source_name: name.to_owned(),
            line: last_line,
            message: unterminated_message(),
        });
    }
    drop(rdr);

    // Duplicate names and overrides of absent columns.
    for (j, n) in names.iter().enumerate() {
        if names[..j].contains(n) {
            return Err(Error::Csv {
                source_name: name.to_owned(),
                line: header_line,
                message: format!("duplicate column name `{n}` in the header"),
            });
        }
    }
    for (n, _) in &opts.types {
        if !names.contains(n) {
            return Err(Error::UnknownColumn {
                op: "read_csv (CsvOptions::with_type)",
                name: n.clone(),
                available: names.join(", "),
            });
        }
    }

    let missing = MissingTokens::new(&opts.missing_tokens);
    let ctx = Ctx {
        source: name,
        lines: &lines,
        missing: &missing,
        infer_dates: opts.infer_dates,
        date_window: opts.date_window,
    };
    let results: Vec<Result<Column>> = names
        .par_iter()
        .zip(raw.into_par_iter())
        .map(|(n, r)| {
            let over = opts.types.iter().find(|(m, _)| m == n).map(|&(_, t)| t);
            ctx.convert(n, r, over)
        })
        .collect();
    // Report the error at the smallest line (then the leftmost column).
    let mut columns = Vec::with_capacity(names.len());
    let mut first_err: Option<Error> = None;
    for r in results {
        match r {
            Ok(c) => columns.push(c),
            Err(e) => {
                let better = match (&first_err, &e) {
                    (None, _) => true,
                    (Some(Error::Parse { line: a, .. }), Error::Parse { line: b, .. }) => b < a,
                    _ => false,
                };
                if better {
                    first_err = Some(e);
                }
            }
        }
    }
    if let Some(e) = first_err {
        return Err(e);
    }
    let mut table = Table::new(names.into_iter().zip(columns).collect())?;
    if table.n_cols() > 0 {
        table.set_source_lines(Some(lines))?;
    }
    Ok(table)
}

fn unterminated_message() -> String {
    "unterminated quote: a quoted field starting in this record runs to the end of the file \
     (the file has an odd number of quote characters; use CsvOptions::quote(None) if quotes are data)"
        .into()
}

/// A `csv` reader error as ours: a failing reader is an [`Error::Io`] (the
/// file is not at fault), everything else an [`Error::Csv`] with its line.
fn csv_error(name: &str, e: csv::Error, line: u64, unterminated: bool) -> Error {
    let text = e.to_string();
    let message = match e.into_kind() {
        csv::ErrorKind::Io(source) => {
            return Error::Io {
                path: name.to_owned(),
                source,
            };
        }
        _ if unterminated => unterminated_message(),
        csv::ErrorKind::UnequalLengths {
            expected_len, len, ..
        } => format!("ragged row: expected {expected_len} fields (as in the header), found {len}"),
        _ => text,
    };
    Error::Csv {
        source_name: name.to_owned(),
        line,
        message,
    }
}

struct MissingTokens {
    tokens: Vec<Vec<u8>>,
    max_len: usize,
    empty: bool,
}

impl MissingTokens {
    fn new(tokens: &[String]) -> Self {
        let tokens: Vec<Vec<u8>> = tokens
            .iter()
            .map(|t| t.trim().as_bytes().to_vec())
            .collect();
        MissingTokens {
            max_len: tokens.iter().map(Vec::len).max().unwrap_or(0),
            empty: tokens.iter().any(Vec::is_empty),
            tokens,
        }
    }
    #[inline]
    fn is_missing(&self, trimmed: &[u8]) -> bool {
        if trimmed.is_empty() {
            return self.empty;
        }
        trimmed.len() <= self.max_len && self.tokens.iter().any(|t| t == trimmed)
    }
}

struct Ctx<'a> {
    source: &'a str,
    lines: &'a [u64],
    missing: &'a MissingTokens,
    infer_dates: bool,
    date_window: (i32, i32),
}

/// Parses a decimal number. Plain decimals with at most 15 significant
/// digits (`-123.45`, `42`) take a fast exact path: the digits form an
/// integer `m < 2^53` and the result is `m / 10^k` with `k <= 22`, a single
/// correctly rounded division of two exactly representable doubles (Clinger's
/// fast path), so it equals `str::parse::<f64>`. Everything else (exponents,
/// long mantissas, `inf`) goes through `str::parse::<f64>`.
pub(crate) fn parse_f64(b: &[u8]) -> Option<f64> {
    const POW10: [f64; 16] = [
        1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
    ];
    let (neg, digits) = match b.first() {
        Some(b'-') => (true, &b[1..]),
        Some(b'+') => (false, &b[1..]),
        _ => (false, b),
    };
    let mut m: u64 = 0;
    let mut n_digits = 0usize;
    let mut frac: Option<usize> = None;
    let mut fast = !digits.is_empty() && digits.len() <= 16;
    if fast {
        for &c in digits {
            match c {
                b'0'..=b'9' => {
                    m = m * 10 + u64::from(c - b'0');
                    n_digits += 1;
                    if let Some(f) = frac.as_mut() {
                        *f += 1;
                    }
                }
                b'.' if frac.is_none() => frac = Some(0),
                _ => {
                    fast = false;
                    break;
                }
            }
        }
    }
    if fast && n_digits > 0 && n_digits <= 15 {
        let k = frac.unwrap_or(0);
        let v = m as f64 / POW10[k];
        return Some(if neg { -v } else { v });
    }
    std::str::from_utf8(b).ok()?.parse::<f64>().ok()
}

/// Whether a field (trimmed) that may parse as a number is an identifier
/// to keep as text: after an optional sign, an integer part of two or more
/// digits that starts with `0` (`007`, `00042`, `-01`, `00.5`), or a string
/// of more than 15 digits and nothing else (beyond what an `f64` holds
/// exactly). `0`, `-0`, `0.5`, `-0.25`, `0e3` and `.5` are numbers.
pub(crate) fn looks_like_identifier(b: &[u8]) -> bool {
    let digits = match b.first() {
        Some(b'-' | b'+') => &b[1..],
        _ => b,
    };
    let int_len = digits.iter().take_while(|c| c.is_ascii_digit()).count();
    (int_len >= 2 && digits[0] == b'0') || (int_len > 15 && int_len == digits.len())
}

/// Number parser of type inference: [`parse_f64`], except identifiers (see
/// [`looks_like_identifier`]).
fn parse_f64_inferred(b: &[u8]) -> Option<f64> {
    if looks_like_identifier(b) {
        return None;
    }
    parse_f64(b)
}

fn parse_bool_strict(b: &[u8]) -> Option<bool> {
    match b {
        b"true" | b"TRUE" | b"True" => Some(true),
        b"false" | b"FALSE" | b"False" => Some(false),
        _ => None,
    }
}

fn parse_bool_lenient(b: &[u8]) -> Option<bool> {
    if b.len() > 5 {
        return None;
    }
    let mut l = [0u8; 5];
    for (d, s) in l.iter_mut().zip(b) {
        *d = s.to_ascii_lowercase();
    }
    match &l[..b.len()] {
        b"true" | b"t" | b"yes" | b"y" | b"1" => Some(true),
        b"false" | b"f" | b"no" | b"n" | b"0" => Some(false),
        _ => None,
    }
}

impl Ctx<'_> {
    fn parse_error(&self, column: &str, row: usize, value: &[u8], expected: &str) -> Error {
        Error::Parse {
            source_name: self.source.to_owned(),
            line: self.lines.get(row).copied().unwrap_or(0),
            column: column.to_owned(),
            value: String::from_utf8_lossy(value).into_owned(),
            expected: expected.to_owned(),
        }
    }

    /// Converts with parser `p`; `Err(row)` at the first field it rejects.
    fn typed<T: Copy>(
        &self,
        raw: &RawColumn,
        fill: T,
        p: impl Fn(&[u8]) -> Option<T>,
    ) -> std::result::Result<(Vec<T>, Vec<bool>), usize> {
        let n = raw.ends.len();
        let mut values = Vec::with_capacity(n);
        let mut mask = Vec::with_capacity(n);
        for (i, f) in raw.iter().enumerate() {
            let t = f.trim_ascii();
            if self.missing.is_missing(t) {
                values.push(fill);
                mask.push(true);
            } else {
                values.push(p(t).ok_or(i)?);
                mask.push(false);
            }
        }
        Ok((values, mask))
    }

    fn categorical(&self, name: &str, raw: &RawColumn) -> Result<Column> {
        let mut index: FastMap<&[u8], u32> = FastMap::default();
        let mut levels: Vec<String> = Vec::new();
        let mut codes = Vec::with_capacity(raw.ends.len());
        for (i, f) in raw.iter().enumerate() {
            if self.missing.is_missing(f.trim_ascii()) {
                codes.push(CategoricalColumn::MISSING);
                continue;
            }
            let code = match index.get(f) {
                Some(&c) => c,
                None => {
                    let s = std::str::from_utf8(f)
                        .map_err(|_| self.parse_error(name, i, f, "UTF-8 text"))?;
                    let c = u32::try_from(levels.len())
                        .ok()
                        .filter(|&c| c != CategoricalColumn::MISSING)
                        .ok_or_else(|| self.parse_error(name, i, f, "at most 2^32-1 levels"))?;
                    levels.push(s.to_owned());
                    index.insert(f, c);
                    c
                }
            };
            codes.push(code);
        }
        Ok(Column::Categorical(
            CategoricalColumn::from_parts_unchecked(codes, levels),
        ))
    }

    /// The first date outside the plausible window is an error.
    fn check_dates(
        &self,
        name: &str,
        raw: &RawColumn,
        days: &[i32],
        missing: &[bool],
    ) -> Result<()> {
        let (lo, hi) = self.date_window;
        match days
            .iter()
            .zip(missing)
            .position(|(&d, &miss)| !miss && !(lo..=hi).contains(&d))
        {
            None => Ok(()),
            Some(row) => Err(self.parse_error(
                name,
                row,
                raw.field(row).trim_ascii(),
                &format!(
                    "a plausible date between {} and {} (a placeholder or a typo? widen the \
                     window with CsvOptions::date_window if such dates are real)",
                    format_date(lo),
                    format_date(hi)
                ),
            )),
        }
    }

    fn convert(&self, name: &str, raw: RawColumn, over: Option<ColumnType>) -> Result<Column> {
        let fail = |row: usize, expected: &str| {
            self.parse_error(name, row, raw.field(row).trim_ascii(), expected)
        };
        match over {
            Some(ColumnType::Numeric) => {
                let (v, m) = self
                    .typed(&raw, f64::NAN, parse_f64)
                    .map_err(|r| fail(r, "a number"))?;
                Ok(Column::Numeric(NumericColumn::new(v, m)?))
            }
            Some(ColumnType::Boolean) => {
                let (v, m) = self
                    .typed(&raw, false, parse_bool_lenient)
                    .map_err(|r| fail(r, "a boolean (true/false, yes/no, 1/0)"))?;
                Ok(bool_column(v, m))
            }
            Some(ColumnType::Date) => {
                let (v, m) = self
                    .typed(&raw, 0, parse_date_bytes)
                    .map_err(|r| fail(r, "a date (YYYY-MM-DD or YYYYMMDD)"))?;
                self.check_dates(name, &raw, &v, &m)?;
                Ok(Column::Date(DateColumn::new(v, m)?))
            }
            Some(ColumnType::Categorical) => self.categorical(name, &raw),
            None => {
                if let Ok((v, m)) = self.typed(&raw, f64::NAN, parse_f64_inferred) {
                    return Ok(Column::Numeric(NumericColumn::new(v, m)?));
                }
                if let Ok((v, m)) = self.typed(&raw, false, parse_bool_strict) {
                    return Ok(bool_column(v, m));
                }
                if self.infer_dates
                    && let Ok((v, m)) = self.typed(&raw, 0, parse_iso_date_bytes)
                {
                    self.check_dates(name, &raw, &v, &m)?;
                    return Ok(Column::Date(DateColumn::new(v, m)?));
                }
                self.categorical(name, &raw)
            }
        }
    }
}

fn bool_column(v: Vec<bool>, m: Vec<bool>) -> Column {
    Column::Boolean(BooleanColumn::from_options(
        v.into_iter()
            .zip(m)
            .map(|(x, miss)| (!miss).then_some(x))
            .collect(),
    ))
}

/// Writes a table as CSV (comma-separated, header row, missing values as
/// empty fields, dates as `YYYY-MM-DD`, numbers in Rust's shortest
/// round-trip form, with an exponent from 1e15 on: `1e16`, so that no number
/// is written as a 16-digit identifier).
///
/// Reading the file back gives the same table except where inference
/// decides differently: a categorical column whose levels all look like
/// numbers (without a leading zero) comes back numeric, one whose levels
/// all look like booleans or dates comes back as such, a level equal to a
/// missing token (e.g. an empty string or `NA`) comes back missing, an
/// all-missing column comes back numeric, and leading or trailing spaces of
/// numbers, booleans and dates are not kept — use [`CsvOptions::with_type`].
///
/// ```
/// use ua_data::csv_io::write_csv;
/// use ua_data::{Column, Table};
/// let t = Table::new(vec![("x".into(), Column::numeric(vec![1.0]))]).unwrap();
/// let err = write_csv(&t, "/nonexistent-dir/x.csv").unwrap_err();
/// assert!(err.to_string().contains("/nonexistent-dir/x.csv"));
/// ```
pub fn write_csv(table: &Table, path: impl AsRef<Path>) -> Result<()> {
    let path = path.as_ref();
    let io = |source| Error::Io {
        path: path.display().to_string(),
        source,
    };
    let file = File::create(path).map_err(io)?;
    let mut w = BufWriter::with_capacity(1 << 16, file);
    write_csv_writer(table, &mut w).map_err(|e| match e {
        Error::Io { source, .. } => io(source),
        other => other,
    })?;
    w.flush().map_err(io)
}

/// Writes a table as CSV to any writer (see [`write_csv`]).
///
/// ```
/// use ua_data::csv_io::write_csv_writer;
/// use ua_data::{Column, Table};
/// let t = Table::new(vec![
///     ("name".into(), Column::categorical_opt(&[Some("a,b"), None])),
///     ("d".into(), Column::date(vec![0, 1])),
/// ]).unwrap();
/// let mut out = Vec::new();
/// write_csv_writer(&t, &mut out).unwrap();
/// assert_eq!(String::from_utf8(out).unwrap(), "name,d\n\"a,b\",1970-01-01\n,1970-01-02\n");
/// ```
pub fn write_csv_writer<W: Write>(table: &Table, writer: W) -> Result<()> {
    let mut w = csv::WriterBuilder::new().from_writer(writer);
    let werr = |e: csv::Error| {
        let message = e.to_string();
        match e.into_kind() {
            csv::ErrorKind::Io(source) => Error::Io {
                path: "(writer)".into(),
                source,
            },
            _ => Error::Csv {
                source_name: "(writer)".into(),
                line: 0,
                message,
            },
        }
    };
    if table.n_cols() > 0 {
        w.write_record(table.column_names()).map_err(werr)?;
    }
    let cols: Vec<&Column> = table.columns().map(|(_, c)| c).collect();
    let mut cell = String::new();
    for i in 0..table.n_rows() {
        for c in &cols {
            use std::fmt::Write as _;
            cell.clear();
            let field: &[u8] = match c {
                Column::Numeric(n) => {
                    if let Some(x) = n.get(i) {
                        // Long integers in exponent form, so that they are
                        // not read back as identifiers (more than 15 digits).
                        let _ = if x.abs() >= 1e15 {
                            write!(cell, "{x:e}")
                        } else {
                            write!(cell, "{x}")
                        };
                    }
                    cell.as_bytes()
                }
                Column::Categorical(k) => k.get(i).map_or(&b""[..], str::as_bytes),
                Column::Boolean(b) => match b.get(i) {
                    Some(true) => b"true",
                    Some(false) => b"false",
                    None => b"",
                },
                Column::Date(d) => {
                    if let Some(x) = d.get(i) {
                        cell.push_str(&format_date(x));
                    }
                    cell.as_bytes()
                }
            };
            w.write_field(field).map_err(werr)?;
        }
        w.write_record(None::<&[u8]>).map_err(werr)?;
    }
    w.flush().map_err(|source| Error::Io {
        path: "(writer)".into(),
        source,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Value;

    fn read(s: &str, o: &CsvOptions) -> Result<Table> {
        read_csv_reader(s.as_bytes(), "test.csv", o)
    }

    #[test]
    fn infers_types_and_missing() {
        let s = "id,amount,day,ok,code,zip\n\
                 a,1.5,2024-02-29,true,19970101,007\n\
                 b,NA,,FALSE,19970102,\n\
                 \"c, d\", -2e3 ,2024-03-01,,19970103,010\n";
        let t = read(s, &CsvOptions::default()).unwrap();
        assert_eq!(t.n_rows(), 3);
        let types: Vec<ColumnType> = t.columns().map(|(_, c)| c.dtype()).collect();
        use ColumnType::*;
        assert_eq!(
            types,
            vec![Categorical, Numeric, Date, Boolean, Numeric, Categorical]
        );
        assert_eq!(t.categorical("id").unwrap().get(2), Some("c, d"));
        assert_eq!(
            t.numeric("amount").unwrap().iter().collect::<Vec<_>>(),
            vec![Some(1.5), None, Some(-2000.0)]
        );
        assert_eq!(
            t.date("day").unwrap().get(0),
            crate::date::from_ymd(2024, 2, 29)
        );
        assert_eq!(t.date("day").unwrap().missing_count(), 1);
        assert_eq!(
            t.boolean("ok").unwrap().values(),
            &[Some(true), Some(false), None]
        );
        assert_eq!(t.numeric("code").unwrap().get(0), Some(19_970_101.0));
        assert_eq!(t.categorical("zip").unwrap().get(0), Some("007"));
    }

    #[test]
    fn overrides() {
        let o = CsvOptions::default()
            .with_type("code", ColumnType::Date)
            .with_type("zip", ColumnType::Categorical)
            .with_type("flag", ColumnType::Boolean);
        let t = read("code,zip,flag\n19970101,007,yes\n1997-01-02,NA,0\n", &o).unwrap();
        assert_eq!(
            t.date("code").unwrap().get(1),
            crate::date::from_ymd(1997, 1, 2)
        );
        assert_eq!(t.categorical("zip").unwrap().get(0), Some("007"));
        assert_eq!(t.categorical("zip").unwrap().missing_count(), 1);
        assert_eq!(
            t.boolean("flag").unwrap().values(),
            &[Some(true), Some(false)]
        );
    }

    #[test]
    fn unparseable_value_under_override() {
        let o = CsvOptions::default().with_type("x", ColumnType::Numeric);
        let e = read("id,x\na,1\nb,2\nc,abc\n", &o).unwrap_err();
        assert_eq!(
            e.to_string(),
            "test.csv, line 4, column `x`: cannot parse `abc` as a number"
        );
        let o = CsvOptions::default().with_type("d", ColumnType::Date);
        let e = read("d\n2024-01-01\n2024-02-30\n", &o).unwrap_err();
        assert!(matches!(e, Error::Parse { line: 3, .. }), "{e}");
        // The earliest line wins when several columns fail.
        let o = CsvOptions::default()
            .with_type("a", ColumnType::Numeric)
            .with_type("b", ColumnType::Numeric);
        let e = read("a,b\n1,1\n1,x\ny,1\n", &o).unwrap_err();
        assert!(
            matches!(e, Error::Parse { line: 3, ref column, .. } if column == "b"),
            "{e}"
        );
    }

    #[test]
    fn fast_float_path_matches_std() {
        let mut x: u64 = 88172645463325252;
        for _ in 0..20_000 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let digits = (x % 15) as usize + 1;
            let m = x % 10u64.pow(digits as u32);
            let k = (x >> 40) as usize % (digits + 1);
            let s = format!("{m:0digits$}");
            let s = if k > 0 {
                format!("{}.{}", &s[..digits - k], &s[digits - k..])
            } else {
                s
            };
            let s = if x & 1 == 1 { format!("-{s}") } else { s };
            assert_eq!(parse_f64(s.as_bytes()), s.parse::<f64>().ok(), "{s}");
        }
        for s in [
            "1e5",
            "-0",
            ".5",
            "5.",
            "+3.25",
            "1.2.3",
            "",
            "-",
            ".",
            "12345678901234567890",
            "inf",
            "0x10",
            "1_000",
        ] {
            assert_eq!(parse_f64(s.as_bytes()), s.parse::<f64>().ok(), "{s}");
        }
    }

    #[test]
    fn override_of_unknown_column() {
        let o = CsvOptions::default().with_type("nope", ColumnType::Numeric);
        let e = read("a,b\n1,2\n", &o).unwrap_err().to_string();
        assert!(e.contains("`nope`") && e.contains("a, b"), "{e}");
    }

    #[test]
    fn ragged_row() {
        let e = read("a,b\n1,2\n3,4,5\n", &CsvOptions::default()).unwrap_err();
        assert_eq!(
            e.to_string(),
            "test.csv, line 3: ragged row: expected 2 fields (as in the header), found 3"
        );
    }

    #[test]
    fn identifiers_stay_text() {
        let s = "zip,cust,long,code,amount,neg,small,exp,zero,dec\n\
                 00042,4,1234567890123456,007,0.5,-0.25,0,0e3,0,00.5\n\
                 10001,00004,12,7,12,3,0,1e3,0,1\n";
        let t = read(s, &CsvOptions::default()).unwrap();
        use ColumnType::*;
        let types: Vec<(&str, ColumnType)> = t.columns().map(|(n, c)| (n, c.dtype())).collect();
        assert_eq!(
            types,
            vec![
                ("zip", Categorical),
                ("cust", Categorical),
                ("long", Categorical),
                ("code", Categorical),
                ("amount", Numeric),
                ("neg", Numeric),
                ("small", Numeric),
                ("exp", Numeric),
                ("zero", Numeric),
                ("dec", Categorical),
            ]
        );
        // 4 and 00004 are two customers, kept as written.
        let cust = t.categorical("cust").unwrap();
        assert_eq!((cust.get(0), cust.get(1)), (Some("4"), Some("00004")));
        assert_eq!(t.categorical("zip").unwrap().get(0), Some("00042"));
        assert_eq!(
            t.categorical("long").unwrap().get(0),
            Some("1234567890123456")
        );
        // Forcing numeric still reads them as numbers.
        let o = CsvOptions::default().with_type("zip", ColumnType::Numeric);
        assert_eq!(
            read(s, &o).unwrap().numeric("zip").unwrap().get(0),
            Some(42.0)
        );
    }

    #[test]
    fn identifier_rule_edges() {
        for id in [
            "00",
            "007",
            "-01",
            "+007",
            "00.5",
            "0123",
            "1234567890123456",
            "-1234567890123456",
        ] {
            assert!(looks_like_identifier(id.as_bytes()), "{id}");
        }
        for num in [
            "0",
            "-0",
            "0.5",
            "-0.25",
            ".5",
            "0e3",
            "10",
            "123456789012345",
            "1234567890123456.5",
            "1e20",
            "",
            "-",
        ] {
            assert!(!looks_like_identifier(num.as_bytes()), "{num}");
        }
        // 15 digits are still a number, 16 are an identifier.
        let t = read(
            "a,b\n123456789012345,1234567890123456\n",
            &CsvOptions::default(),
        )
        .unwrap();
        assert_eq!(t.column("a").unwrap().dtype(), ColumnType::Numeric);
        assert_eq!(t.column("b").unwrap().dtype(), ColumnType::Categorical);
        // Spaces around an id do not hide its leading zero.
        let t = read("a\n 007 \n1\n", &CsvOptions::default()).unwrap();
        assert_eq!(t.column("a").unwrap().dtype(), ColumnType::Categorical);
    }

    #[test]
    fn implausible_dates_are_errors_with_line_column_and_value() {
        for (bad, line) in [
            ("0001-01-01", 3),
            ("9999-12-31", 3),
            ("1899-12-31", 3),
            ("2101-01-01", 3),
        ] {
            let csv = format!("id,day\na,2024-01-01\nb,{bad}\n");
            let e = read(&csv, &CsvOptions::default()).unwrap_err();
            assert!(
                matches!(&e, Error::Parse { line: l, column, value, .. } if *l == line && column == "day" && value == bad),
                "{e}"
            );
            let msg = e.to_string();
            assert!(
                msg.contains("a plausible date between 1900-01-01 and 2100-12-31")
                    && msg.contains("CsvOptions::date_window"),
                "{msg}"
            );
            // Forced date columns (YYYYMMDD too) are checked as well.
            let o = CsvOptions::default().with_type("day", ColumnType::Date);
            let e = read(&csv.replace('-', ""), &o).unwrap_err();
            assert!(matches!(e, Error::Parse { line: 3, .. }), "{e}");
        }
        // The edges are fine, and the window can be widened or narrowed.
        let t = read("d\n1900-01-01\n2100-12-31\n", &CsvOptions::default()).unwrap();
        assert_eq!(t.date("d").unwrap().get(1), Some(PLAUSIBLE_MAX));
        assert_eq!(t.date("d").unwrap().get(0), Some(PLAUSIBLE_MIN));
        let wide = CsvOptions::default().date_window(i32::MAX, i32::MIN);
        assert_eq!(wide.get_date_window(), (i32::MIN, i32::MAX));
        let t = read("d\n0001-01-01\n9999-12-31\n", &wide).unwrap();
        assert_eq!(t.date("d").unwrap().missing_count(), 0);
        let narrow = CsvOptions::default().date_window(
            crate::date::parse_date("2024-01-01").unwrap(),
            crate::date::parse_date("2024-12-31").unwrap(),
        );
        let e = read("d\n2024-06-01\nNA\n2025-01-01\n", &narrow).unwrap_err();
        assert!(
            e.to_string()
                .contains("line 4, column `d`: cannot parse `2025-01-01` as a plausible date between 2024-01-01 and 2024-12-31"),
            "{e}"
        );
    }

    #[test]
    fn crlf_files_report_editor_lines() {
        let e = read("a,b\r\n1,2\r\n3\r\n", &CsvOptions::default()).unwrap_err();
        assert!(matches!(e, Error::Csv { line: 3, .. }), "{e}");
        let o = CsvOptions::default().with_type("x", ColumnType::Numeric);
        let e = read("t,x\r\n\"two\r\nlines\",1\r\nok,bad\r\n", &o).unwrap_err();
        assert!(matches!(e, Error::Parse { line: 4, .. }), "{e}");
        // A lone CR (old Mac line ends) ends a record and a line.
        let t = read("a\r1\r2\r", &CsvOptions::default()).unwrap();
        assert_eq!(t.source_lines(), Some(&[2, 3][..]));
        let e = read("a,b\r1,2\r\r3\r", &CsvOptions::default()).unwrap_err();
        assert!(matches!(e, Error::Csv { line: 4, .. }), "{e}");
    }

    #[test]
    fn blank_lines_are_skipped_but_counted() {
        let t = read("a,b\n\n1,2\n\r\n\n3,4\n\n", &CsvOptions::default()).unwrap();
        assert_eq!(t.source_lines(), Some(&[3, 6][..]));
        assert_eq!(t.numeric("a").unwrap().values(), &[1.0, 3.0]);
        let e = read("\n\na,b\n\n1,2\n\n\n3\n", &CsvOptions::default()).unwrap_err();
        assert!(matches!(e, Error::Csv { line: 8, .. }), "{e}");
        // Duplicate header names after leading blank lines.
        let e = read("\n\na,a\n1,2\n", &CsvOptions::default()).unwrap_err();
        assert!(matches!(e, Error::Csv { line: 3, .. }), "{e}");
    }

    #[test]
    fn blank_lines_of_a_one_column_file_are_missing_values() {
        // Lines: 1 blank (before the header), 2 header, 3 blank, 4 `1`,
        // 5 blank (CRLF), 6 blank, 7 `2`, 8 blank at the end.
        let t = read("\na\n\n1\n\r\n\n2\n\n", &CsvOptions::default()).unwrap();
        assert_eq!(t.source_lines(), Some(&[3, 4, 5, 6, 7][..]));
        let a = t.numeric("a").unwrap();
        assert_eq!(
            a.iter().collect::<Vec<_>>(),
            vec![None, Some(1.0), None, None, Some(2.0)]
        );
        assert_eq!(a.missing_count(), 3);
        // CRLF throughout, and old-Mac lone CR line ends.
        for text in ["x\r\n1\r\n\r\n2\r\n\r\n", "x\r1\r\r2\r\r"] {
            let t = read(text, &CsvOptions::default()).unwrap();
            assert_eq!(t.source_lines(), Some(&[2, 3, 4][..]), "{text:?}");
            assert_eq!(t.numeric("x").unwrap().missing_count(), 1, "{text:?}");
        }
        // Text, and a file without a header (blank lines before the first
        // row are not rows).
        let t = read("\nu1\n\n\nu2\n", &CsvOptions::default().has_header(false)).unwrap();
        assert_eq!(t.source_lines(), Some(&[2, 3, 4, 5][..]));
        assert_eq!(t.column("column_1").unwrap().missing_count(), 2);
        // A blank line is empty, so it is missing only when `""` is a
        // missing token; otherwise an empty text value.
        let o = CsvOptions::default().missing_tokens(["NA"]);
        let t = read("c\na\n\nb\n", &o).unwrap();
        assert_eq!(t.column("c").unwrap().missing_count(), 0);
        assert_eq!(t.n_rows(), 3);
        // A forced numeric column errors on a bad value at its line after
        // blank lines, and a header-only file with blank lines has no row.
        let o = CsvOptions::default().with_type("x", ColumnType::Numeric);
        let e = read("x\n1\n\n\nbad\n", &o).unwrap_err();
        assert!(matches!(e, Error::Parse { line: 5, .. }), "{e}");
        assert_eq!(read("x\n\n\n", &CsvOptions::default()).unwrap().n_rows(), 0);
        // Written and read back: missing values survive as `""`.
        let t = Table::new(vec![(
            "x".into(),
            Column::numeric_opt(vec![None, Some(1.0), None]),
        )])
        .unwrap();
        let mut out = Vec::new();
        write_csv_writer(&t, &mut out).unwrap();
        let back = read_csv_reader(&out[..], "w.csv", &CsvOptions::default()).unwrap();
        assert_eq!(
            back.numeric("x").unwrap().iter().collect::<Vec<_>>(),
            vec![None, Some(1.0), None]
        );
    }

    #[test]
    fn line_numbers_count_quoted_newlines() {
        let o = CsvOptions::default().with_type("x", ColumnType::Numeric);
        let e = read("t,x\n\"two\nlines\",1\nok,bad\n", &o).unwrap_err();
        assert!(matches!(e, Error::Parse { line: 4, .. }), "{e}");
    }

    #[test]
    fn unterminated_quote() {
        // Runs to EOF with the right field count...
        let e = read("a,b\n1,2\n3,\"x\n4,5\n", &CsvOptions::default()).unwrap_err();
        assert!(matches!(e, Error::Csv { line: 3, .. }), "{e}");
        assert!(e.to_string().contains("unterminated quote"), "{e}");
        // ...and with the wrong one.
        let e = read("a,b\n\"x,1\n2,3\n", &CsvOptions::default()).unwrap_err();
        assert!(e.to_string().contains("line 2: unterminated quote"), "{e}");
    }

    #[test]
    fn header_problems_and_empty_input() {
        let e = read("a,a\n1,2\n", &CsvOptions::default())
            .unwrap_err()
            .to_string();
        assert!(e.contains("duplicate column name `a`"), "{e}");
        let t = read("", &CsvOptions::default()).unwrap();
        assert_eq!((t.n_rows(), t.n_cols()), (0, 0));
        let t = read("a,b\n", &CsvOptions::default()).unwrap();
        assert_eq!((t.n_rows(), t.n_cols()), (0, 2));
    }

    #[test]
    fn byte_order_mark_is_not_part_of_the_first_name() {
        let t = read("\u{feff}id,x\na,1\n", &CsvOptions::default()).unwrap();
        assert_eq!(t.column_names(), vec!["id", "x"]);
    }

    #[test]
    fn all_missing_column_is_numeric_missing() {
        let t = read("a,b\n1,\n2,NA\n", &CsvOptions::default()).unwrap();
        assert_eq!(t.column("b").unwrap().dtype(), ColumnType::Numeric);
        assert_eq!(t.column("b").unwrap().missing_count(), 2);
    }

    #[test]
    fn invalid_utf8_is_an_error() {
        let e =
            read_csv_reader(&b"a\n\xff\xfe\n"[..], "bin.csv", &CsvOptions::default()).unwrap_err();
        assert!(e.to_string().starts_with("bin.csv, line 2"), "{e}");
    }

    #[test]
    fn roundtrip_through_writer() {
        let t = Table::new(vec![
            (
                "s".into(),
                Column::categorical_opt(&[Some("x \"q\""), None, Some("y")]),
            ),
            (
                "n".into(),
                Column::numeric_opt(vec![Some(0.1), Some(-3.0), None]),
            ),
            (
                "b".into(),
                Column::boolean_opt(vec![None, Some(true), Some(false)]),
            ),
            (
                "d".into(),
                Column::date_opt(vec![Some(-1), None, Some(20_000)]),
            ),
        ])
        .unwrap();
        let mut out = Vec::new();
        write_csv_writer(&t, &mut out).unwrap();
        let back = read_csv_reader(&out[..], "mem", &CsvOptions::default()).unwrap();
        assert_eq!(back.n_rows(), 3);
        for (name, c) in t.columns() {
            let b = back.column(name).unwrap();
            for i in 0..3 {
                assert_eq!(b.get(i), c.get(i), "{name}[{i}]");
            }
        }
        assert_eq!(
            back.column("s").unwrap().get(0),
            Some(Value::Text("x \"q\"".into()))
        );
    }

    /// A reader that fails after a few bytes, like a dropped network file.
    struct Failing(usize);
    impl std::io::Read for Failing {
        fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
            if self.0 == 0 {
                return Err(std::io::Error::other("connection reset"));
            }
            let data = b"a,b\n1,2\n";
            let n = self.0.min(buf.len()).min(data.len());
            buf[..n].copy_from_slice(&data[..n]);
            self.0 -= n;
            Ok(n)
        }
    }

    #[test]
    fn reader_failures_are_io_errors_not_data_errors() {
        let err = read_csv_reader(Failing(6), "remote.csv", &CsvOptions::default()).unwrap_err();
        match &err {
            Error::Io { path, source } => {
                assert_eq!(path, "remote.csv");
                assert_eq!(source.to_string(), "connection reset");
            }
            other => panic!("expected an I/O error, got {other}"),
        }
        assert!(std::error::Error::source(&err).is_some());
    }

    #[test]
    fn parse_errors_quote_values_without_debug_escapes() {
        let o = CsvOptions::default().with_type("x", ColumnType::Numeric);
        let err = read_csv_reader(&b"x\nab\"c\n"[..], "f.csv", &o.quote(None)).unwrap_err();
        assert_eq!(
            err.to_string(),
            "f.csv, line 2, column `x`: cannot parse `ab\"c` as a number"
        );
    }
}
