//! The [`Table`]: ordered, named, typed columns of equal length.
//!
//! A table is a list of `(name, Column)` pairs. Every operation returns a new
//! table (columns are contiguous vectors, so copying the rows that survive a
//! filter is one pass per column) and checks its arguments: an unknown column
//! name is an error that lists the names the table has, a mask of the wrong
//! length is an error that gives both lengths.
//!
//! ```
//! use ua_data::{Column, Table};
//! let t = Table::new(vec![
//!     ("user".into(), Column::categorical(&["u1", "u2", "u3"])),
//!     ("spend".into(), Column::numeric_opt(vec![Some(10.0), None, Some(5.0)])),
//! ])
//! .unwrap();
//! assert_eq!((t.n_rows(), t.n_cols()), (3, 2));
//! let sorted = t.sort_by("spend", false).unwrap();
//! assert_eq!(sorted.categorical("user").unwrap().get(0), Some("u3"));
//! assert_eq!(sorted.categorical("user").unwrap().get(2), Some("u2")); // missing last
//! assert!(t.column("age").unwrap_err().to_string().contains("user, spend"));
//! ```

mod categorical;
mod column;
pub(crate) mod hash;
pub(crate) mod keys;
mod typed;
mod value;

use std::cmp::Ordering;
use std::fmt;

use ndarray::Array2;
use serde::{Deserialize, Serialize};

pub use categorical::{CategoricalBuilder, CategoricalColumn};
pub use column::Column;
pub(crate) use column::format_number;
pub use typed::{BooleanColumn, DateColumn, NumericColumn};
pub use value::{ColumnType, Value};

use crate::csv_io::{looks_like_identifier, parse_f64};
use crate::{Error, Result};

/// Ordered named columns of equal length.
///
/// ## Row provenance
///
/// A table read from a CSV file remembers, for every row, the 1-based line
/// of the file it came from, as a text editor shows it (the header counts as
/// line 1, and a quoted field spanning several lines moves the following
/// rows down). Every operation that reorders or subsets rows keeps it:
/// [`filter`](Self::filter), [`take`](Self::take), [`head`](Self::head),
/// [`sort_by`](Self::sort_by), column selection, the left side of a join,
/// [`concat`](crate::join::concat), and tables built from the row indices of
/// [`split`](crate::split). So an error about a value found in row 50 of a
/// training split can say `line 102`: use [`locate`](Self::locate) for the
/// place and [`source_line`](Self::source_line) for the number. Tables built
/// in memory, aggregates (group-by, RFM) and tables loaded from JSON have no
/// provenance and are located by their 1-based data row instead.
///
/// Provenance is not part of a table's value: `==` compares names and
/// columns only.
///
/// ```
/// use ua_data::{Column, Table};
/// let t = Table::new(vec![("x".into(), Column::numeric(vec![1.0, 2.0]))]).unwrap();
/// assert_eq!(t.column_names(), vec!["x"]);
/// assert_eq!(t.locate(1), "row 2");
/// ```
#[derive(Debug, Clone, Default)]
pub struct Table {
    names: Vec<String>,
    columns: Vec<Column>,
    n_rows: usize,
    /// Per row, the 1-based source line (0: none for that row); `None` for
    /// tables without provenance. When `Some`, its length is `n_rows`.
    lines: Option<Vec<u64>>,
}

impl PartialEq for Table {
    fn eq(&self, other: &Self) -> bool {
        self.n_rows == other.n_rows && self.names == other.names && self.columns == other.columns
    }
}

#[derive(Serialize)]
struct NamedColumnRef<'a> {
    name: &'a str,
    column: &'a Column,
}

#[derive(Serialize)]
struct TableReprRef<'a> {
    columns: Vec<NamedColumnRef<'a>>,
}

#[derive(Deserialize)]
struct NamedColumn {
    name: String,
    column: Column,
}

#[derive(Deserialize)]
struct TableRepr {
    columns: Vec<NamedColumn>,
}

impl Serialize for Table {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        TableReprRef {
            columns: self
                .names
                .iter()
                .zip(&self.columns)
                .map(|(name, column)| NamedColumnRef { name, column })
                .collect(),
        }
        .serialize(s)
    }
}

impl<'de> Deserialize<'de> for Table {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        let r = TableRepr::deserialize(d)?;
        Table::new(r.columns.into_iter().map(|c| (c.name, c.column)).collect())
            .map_err(serde::de::Error::custom)
    }
}

impl Table {
    /// A table from `(name, column)` pairs. Errors: two columns with the same
    /// name, or columns of different lengths.
    ///
    /// ```
    /// use ua_data::{Column, Table};
    /// assert!(Table::new(vec![
    ///     ("a".into(), Column::numeric(vec![1.0])),
    ///     ("b".into(), Column::numeric(vec![1.0, 2.0])),
    /// ]).is_err());
    /// ```
    pub fn new(columns: Vec<(String, Column)>) -> Result<Table> {
        let mut t = Table::default();
        for (name, col) in columns {
            t.add_column(name, col)?;
        }
        Ok(t)
    }

    /// Number of rows (0 for a table without columns).
    ///
    /// ```
    /// assert_eq!(ua_data::Table::default().n_rows(), 0);
    /// ```
    pub fn n_rows(&self) -> usize {
        self.n_rows
    }

    /// Number of columns.
    ///
    /// ```
    /// assert_eq!(ua_data::Table::default().n_cols(), 0);
    /// ```
    pub fn n_cols(&self) -> usize {
        self.columns.len()
    }

    /// The 1-based line of the source file that row `row` (0-based) was
    /// read from, as a text editor shows it; `None` for tables built in
    /// memory, for rows added without provenance, and for rows out of range.
    /// See [Row provenance](Table#row-provenance).
    ///
    /// ```
    /// use ua_data::csv_io::{read_csv_reader, CsvOptions};
    /// let csv = "id,x\na,1\n\"b\nc\",2\nd,3\n"; // the second row spans lines 3-4
    /// let t = read_csv_reader(csv.as_bytes(), "f.csv", &CsvOptions::default()).unwrap();
    /// assert_eq!(t.source_line(0), Some(2));
    /// assert_eq!(t.source_line(2), Some(5));
    /// let sorted = t.sort_by("x", true).unwrap();
    /// assert_eq!(sorted.source_line(0), Some(5));
    /// assert_eq!(t.source_line(3), None);
    /// ```
    pub fn source_line(&self, row: usize) -> Option<u64> {
        self.lines
            .as_ref()?
            .get(row)
            .copied()
            .filter(|&line| line > 0)
    }

    /// Where row `row` (0-based) is, in the words errors put after "at":
    /// `"line 102"` when it came from a file (see
    /// [`source_line`](Self::source_line)), otherwise `"row 51"`, the 1-based
    /// data row.
    ///
    /// ```
    /// use ua_data::csv_io::{read_csv_reader, CsvOptions};
    /// use ua_data::{Column, Table};
    /// let t = read_csv_reader(&b"x\n1\n2\n"[..], "f.csv", &CsvOptions::default()).unwrap();
    /// assert_eq!(t.take(&[1]).unwrap().locate(0), "line 3");
    /// let m = Table::new(vec![("x".into(), Column::numeric(vec![1.0, 2.0]))]).unwrap();
    /// assert_eq!(m.locate(1), "row 2");
    /// ```
    pub fn locate(&self, row: usize) -> String {
        match self.source_line(row) {
            Some(line) => format!("line {line}"),
            None => format!("row {}", row.saturating_add(1)),
        }
    }

    /// The per-row source lines (`0` for a row without one), or `None` when
    /// the table has no provenance. See [Row provenance](Table#row-provenance).
    ///
    /// ```
    /// use ua_data::csv_io::{read_csv_reader, CsvOptions};
    /// let t = read_csv_reader(&b"x\n1\n2\n"[..], "f.csv", &CsvOptions::default()).unwrap();
    /// assert_eq!(t.source_lines(), Some(&[2, 3][..]));
    /// assert_eq!(ua_data::Table::default().source_lines(), None);
    /// ```
    pub fn source_lines(&self) -> Option<&[u64]> {
        self.lines.as_deref()
    }

    /// Sets (or with `None` removes) the per-row source lines, e.g. to carry
    /// them from an input table to a table a transform built column by
    /// column with the same rows. `0` marks a row without a line. Error: a
    /// list whose length is not the number of rows.
    ///
    /// ```
    /// use ua_data::{Column, Table};
    /// let mut t = Table::new(vec![("x".into(), Column::numeric(vec![1.0, 2.0]))]).unwrap();
    /// t.set_source_lines(Some(vec![7, 0])).unwrap();
    /// assert_eq!((t.locate(0), t.locate(1)), ("line 7".to_string(), "row 2".to_string()));
    /// assert!(t.set_source_lines(Some(vec![7])).unwrap_err().to_string().contains("expected 2"));
    /// ```
    pub fn set_source_lines(&mut self, lines: Option<Vec<u64>>) -> Result<()> {
        if let Some(l) = &lines
            && l.len() != self.n_rows
        {
            return Err(Error::LengthMismatch {
                op: "set_source_lines",
                column: "source lines".into(),
                expected: self.n_rows,
                found: l.len(),
            });
        }
        self.lines = lines;
        Ok(())
    }

    /// Source lines of rows `indices` (all in range).
    fn lines_of(&self, indices: &[usize]) -> Option<Vec<u64>> {
        self.lines
            .as_ref()
            .map(|l| indices.iter().map(|&i| l[i]).collect())
    }

    /// The column names, in order.
    ///
    /// ```
    /// use ua_data::{Column, Table};
    /// let t = Table::new(vec![("a".into(), Column::boolean(vec![]))]).unwrap();
    /// assert_eq!(t.column_names(), vec!["a"]);
    /// ```
    pub fn column_names(&self) -> Vec<&str> {
        self.names.iter().map(String::as_str).collect()
    }

    /// Iterates over `(name, column)` in order.
    ///
    /// ```
    /// use ua_data::{Column, Table};
    /// let t = Table::new(vec![("a".into(), Column::boolean(vec![true]))]).unwrap();
    /// for (name, col) in t.columns() {
    ///     assert_eq!((name, col.len()), ("a", 1));
    /// }
    /// ```
    pub fn columns(&self) -> impl Iterator<Item = (&str, &Column)> + '_ {
        self.names.iter().map(String::as_str).zip(&self.columns)
    }

    /// Whether the table has a column `name`.
    ///
    /// ```
    /// assert!(!ua_data::Table::default().has_column("x"));
    /// ```
    pub fn has_column(&self, name: &str) -> bool {
        self.names.iter().any(|n| n == name)
    }

    /// Position of column `name`, or an [`Error::UnknownColumn`] listing the
    /// available names.
    ///
    /// ```
    /// use ua_data::{Column, Table};
    /// let t = Table::new(vec![("a".into(), Column::boolean(vec![]))]).unwrap();
    /// assert_eq!(t.column_index("a").unwrap(), 0);
    /// ```
    pub fn column_index(&self, name: &str) -> Result<usize> {
        self.names
            .iter()
            .position(|n| n == name)
            .ok_or_else(|| self.unknown("column", name))
    }

    pub(crate) fn unknown(&self, op: &'static str, name: &str) -> Error {
        Error::UnknownColumn {
            op,
            name: name.to_owned(),
            available: if self.names.is_empty() {
                "(none)".into()
            } else {
                self.names.join(", ")
            },
        }
    }

    /// The column `name`.
    ///
    /// ```
    /// use ua_data::{Column, Table};
    /// let t = Table::new(vec![("a".into(), Column::boolean(vec![true]))]).unwrap();
    /// assert_eq!(t.column("a").unwrap().len(), 1);
    /// let err = t.column("b").unwrap_err().to_string();
    /// assert!(err.contains("unknown column `b`") && err.contains("available columns: a"));
    /// ```
    pub fn column(&self, name: &str) -> Result<&Column> {
        let i = self.column_index(name)?;
        Ok(&self.columns[i])
    }

    fn typed<'a, T>(
        &'a self,
        op: &'static str,
        name: &str,
        f: impl FnOnce(&'a Column) -> Result<&'a T>,
    ) -> Result<&'a T> {
        let col = self.column(name)?;
        f(col).map_err(|e| match e {
            Error::TypeMismatch {
                expected, found, ..
            } => Error::TypeMismatch {
                op,
                column: name.to_owned(),
                expected,
                found,
            },
            other => other,
        })
    }

    /// The numeric column `name`; errors name the column and its actual type.
    ///
    /// ```
    /// use ua_data::{Column, Table};
    /// let t = Table::new(vec![("a".into(), Column::categorical(&["x"]))]).unwrap();
    /// let err = t.numeric("a").unwrap_err().to_string();
    /// assert!(err.contains("`a` has type categorical, expected numeric"), "{err}");
    /// ```
    pub fn numeric(&self, name: &str) -> Result<&NumericColumn> {
        self.typed("numeric", name, Column::as_numeric)
            .map_err(|e| self.explain_text_column(name, e, "a number", |s| parse_f64(s).is_some()))
    }

    /// For a text column asked for as numbers or dates: says which value
    /// made it text, where it is, and what to do, after the expected type.
    fn explain_text_column(
        &self,
        name: &str,
        e: Error,
        noun: &str,
        parses: impl Fn(&[u8]) -> bool,
    ) -> Error {
        let Error::TypeMismatch {
            op,
            column,
            expected,
            found,
        } = e
        else {
            return e;
        };
        let Ok(Column::Categorical(c)) = self.column(name) else {
            return Error::TypeMismatch {
                op,
                column,
                expected,
                found,
            };
        };
        // Per level: 0 = unknown yet, 1 = parses, 2 = does not.
        let mut verdict = vec![0u8; c.n_levels()];
        let mut first_id: Option<usize> = None;
        let mut first_bad: Option<usize> = None;
        for (row, code) in c.codes().iter().enumerate() {
            let Some(level) = c.levels().get(*code as usize) else {
                continue;
            };
            let v = &mut verdict[*code as usize];
            if *v == 0 {
                *v = if parses(level.trim().as_bytes()) {
                    1
                } else {
                    2
                };
            }
            if *v == 2 {
                first_bad = Some(row);
                break;
            }
            if first_id.is_none() && looks_like_identifier(level.trim().as_bytes()) {
                first_id = Some(row);
            }
        }
        let why = match (first_bad, first_id) {
            (Some(row), _) => format!(
                "; `{}` at {} is not {noun}",
                c.get(row).unwrap_or_default(),
                self.locate(row)
            ),
            (None, Some(row)) if noun == "a number" => format!(
                "; the column holds identifiers such as `{}` at {} (a leading zero or more than \
                 15 digits), kept as text so that distinct codes stay distinct",
                c.get(row).unwrap_or_default(),
                self.locate(row)
            ),
            _ if c.n_levels() > 0 => {
                format!("; every value reads as {noun} but the column is text")
            }
            _ => String::new(),
        };
        Error::TypeMismatch {
            op,
            column,
            expected: format!("{expected}{why}"),
            found,
        }
    }

    /// The categorical column `name`.
    ///
    /// ```
    /// use ua_data::{Column, Table};
    /// let t = Table::new(vec![("a".into(), Column::categorical(&["x"]))]).unwrap();
    /// assert_eq!(t.categorical("a").unwrap().get(0), Some("x"));
    /// ```
    pub fn categorical(&self, name: &str) -> Result<&CategoricalColumn> {
        self.typed("categorical", name, Column::as_categorical)
    }

    /// The boolean column `name`.
    ///
    /// ```
    /// use ua_data::{Column, Table};
    /// let t = Table::new(vec![("a".into(), Column::boolean(vec![true]))]).unwrap();
    /// assert_eq!(t.boolean("a").unwrap().get(0), Some(true));
    /// ```
    pub fn boolean(&self, name: &str) -> Result<&BooleanColumn> {
        self.typed("boolean", name, Column::as_boolean)
    }

    /// The date column `name`.
    ///
    /// ```
    /// use ua_data::{Column, Table};
    /// let t = Table::new(vec![("d".into(), Column::date(vec![7]))]).unwrap();
    /// assert_eq!(t.date("d").unwrap().get(0), Some(7));
    /// ```
    pub fn date(&self, name: &str) -> Result<&DateColumn> {
        self.typed("date", name, Column::as_date).map_err(|e| {
            self.explain_text_column(name, e, "a date (YYYY-MM-DD)", |s| {
                crate::date::parse_date_bytes(s).is_some()
            })
        })
    }

    /// The table with one more column, for building a table in one
    /// expression (a step's output: `t.clone().with_column(..)`). Errors as
    /// [`add_column`](Table::add_column).
    ///
    /// ```
    /// use ua_data::{Column, Table};
    /// let t = Table::default().with_column("a", Column::numeric(vec![1.0])).unwrap();
    /// assert_eq!(t.column_names(), vec!["a"]);
    /// assert!(t.with_column("a", Column::numeric(vec![2.0])).is_err());
    /// ```
    pub fn with_column(mut self, name: impl Into<String>, column: Column) -> Result<Table> {
        self.add_column(name, column)?;
        Ok(self)
    }

    /// Appends a column. Errors: the name exists, or the length differs from
    /// the table's row count.
    ///
    /// ```
    /// use ua_data::{Column, Table};
    /// let mut t = Table::default();
    /// t.add_column("a", Column::numeric(vec![1.0])).unwrap();
    /// assert!(t.add_column("a", Column::numeric(vec![2.0])).is_err());
    /// assert!(t.add_column("b", Column::numeric(vec![])).is_err());
    /// ```
    pub fn add_column(&mut self, name: impl Into<String>, column: Column) -> Result<()> {
        let name = name.into();
        if self.has_column(&name) {
            return Err(Error::DuplicateColumn {
                op: "add_column",
                name,
            });
        }
        if self.columns.is_empty() {
            if self.lines.as_ref().is_some_and(|l| l.len() != column.len()) {
                self.lines = None;
            }
            self.n_rows = column.len();
        } else if column.len() != self.n_rows {
            return Err(Error::LengthMismatch {
                op: "add_column",
                column: name,
                expected: self.n_rows,
                found: column.len(),
            });
        }
        self.names.push(name);
        self.columns.push(column);
        Ok(())
    }

    /// Replaces column `name` (same position) and returns the old column. The
    /// new column may have another type but must have the same length.
    ///
    /// ```
    /// use ua_data::{Column, Table};
    /// let mut t = Table::new(vec![("a".into(), Column::numeric(vec![1.0]))]).unwrap();
    /// let old = t.replace_column("a", Column::boolean(vec![true])).unwrap();
    /// assert_eq!(old, Column::numeric(vec![1.0]));
    /// ```
    pub fn replace_column(&mut self, name: &str, column: Column) -> Result<Column> {
        let i = self.column_index(name)?;
        if column.len() != self.n_rows {
            return Err(Error::LengthMismatch {
                op: "replace_column",
                column: name.to_owned(),
                expected: self.n_rows,
                found: column.len(),
            });
        }
        Ok(std::mem::replace(&mut self.columns[i], column))
    }

    /// Renames column `from` to `to`.
    ///
    /// ```
    /// use ua_data::{Column, Table};
    /// let mut t = Table::new(vec![("a".into(), Column::numeric(vec![1.0]))]).unwrap();
    /// t.rename_column("a", "b").unwrap();
    /// assert_eq!(t.column_names(), vec!["b"]);
    /// ```
    pub fn rename_column(&mut self, from: &str, to: impl Into<String>) -> Result<()> {
        let i = self.column_index(from)?;
        let to = to.into();
        if to != from && self.has_column(&to) {
            return Err(Error::DuplicateColumn {
                op: "rename_column",
                name: to,
            });
        }
        self.names[i] = to;
        Ok(())
    }

    /// A table without the listed columns (each must exist).
    ///
    /// ```
    /// use ua_data::{Column, Table};
    /// let t = Table::new(vec![
    ///     ("a".into(), Column::numeric(vec![1.0])),
    ///     ("b".into(), Column::numeric(vec![2.0])),
    /// ]).unwrap();
    /// assert_eq!(t.drop_columns(&["a"]).unwrap().column_names(), vec!["b"]);
    /// assert!(t.drop_columns(&["z"]).is_err());
    /// ```
    pub fn drop_columns(&self, names: &[&str]) -> Result<Table> {
        for n in names {
            self.column_index(n)?;
        }
        let mut out = Table::default();
        for (name, col) in self.columns() {
            if !names.contains(&name) {
                out.add_column(name, col.clone())?;
            }
        }
        out.n_rows = self.n_rows;
        out.lines = self.lines.clone();
        Ok(out)
    }

    /// A table with the listed columns, in the listed order.
    ///
    /// ```
    /// use ua_data::{Column, Table};
    /// let t = Table::new(vec![
    ///     ("a".into(), Column::numeric(vec![1.0])),
    ///     ("b".into(), Column::numeric(vec![2.0])),
    /// ]).unwrap();
    /// assert_eq!(t.select(&["b", "a"]).unwrap().column_names(), vec!["b", "a"]);
    /// ```
    pub fn select(&self, names: &[&str]) -> Result<Table> {
        let mut out = Table::default();
        for n in names {
            out.add_column(*n, self.column(n)?.clone())?;
        }
        if names.is_empty() {
            out.n_rows = 0;
        } else {
            out.lines = self.lines.clone();
        }
        Ok(out)
    }

    /// The rows where `mask` is `true`.
    ///
    /// ```
    /// use ua_data::{Column, Table};
    /// let t = Table::new(vec![("a".into(), Column::numeric(vec![1.0, 2.0]))]).unwrap();
    /// assert_eq!(t.filter(&[false, true]).unwrap().numeric("a").unwrap().values(), &[2.0]);
    /// assert!(t.filter(&[true]).is_err());
    /// ```
    pub fn filter(&self, mask: &[bool]) -> Result<Table> {
        if mask.len() != self.n_rows {
            return Err(Error::LengthMismatch {
                op: "filter",
                column: "mask".into(),
                expected: self.n_rows,
                found: mask.len(),
            });
        }
        let columns = self
            .columns
            .iter()
            .map(|c| c.filter(mask))
            .collect::<Result<Vec<_>>>()?;
        let lines = self.lines.as_ref().map(|l| {
            l.iter()
                .zip(mask)
                .filter(|&(_, &keep)| keep)
                .map(|(&line, _)| line)
                .collect()
        });
        Ok(Table {
            names: self.names.clone(),
            columns,
            n_rows: mask.iter().filter(|&&m| m).count(),
            lines,
        })
    }

    /// Rows `indices` in that order (repeats allowed).
    ///
    /// ```
    /// use ua_data::{Column, Table};
    /// let t = Table::new(vec![("a".into(), Column::numeric(vec![1.0, 2.0]))]).unwrap();
    /// assert_eq!(t.take(&[1, 1, 0]).unwrap().numeric("a").unwrap().values(), &[2.0, 2.0, 1.0]);
    /// assert!(t.take(&[2]).is_err());
    /// ```
    pub fn take(&self, indices: &[usize]) -> Result<Table> {
        if let Some(&bad) = indices.iter().find(|&&i| i >= self.n_rows) {
            return Err(Error::InvalidArgument {
                op: "take",
                message: format!("row index {bad} out of range for {} rows", self.n_rows),
            });
        }
        Ok(self.take_unchecked(indices))
    }

    pub(crate) fn take_unchecked(&self, indices: &[usize]) -> Table {
        Table {
            names: self.names.clone(),
            columns: self
                .columns
                .iter()
                .map(|c| c.take_unchecked(indices))
                .collect(),
            n_rows: indices.len(),
            lines: self.lines_of(indices),
        }
    }

    /// The first `n` rows (all if fewer).
    ///
    /// ```
    /// use ua_data::{Column, Table};
    /// let t = Table::new(vec![("a".into(), Column::numeric(vec![1.0, 2.0]))]).unwrap();
    /// assert_eq!(t.head(1).n_rows(), 1);
    /// assert_eq!(t.head(10).n_rows(), 2);
    /// ```
    pub fn head(&self, n: usize) -> Table {
        let idx: Vec<usize> = (0..n.min(self.n_rows)).collect();
        self.take_unchecked(&idx)
    }

    /// Row order that sorts by column `name` (stable; missing values last in
    /// both directions; categoricals by string, booleans `false < true`,
    /// numbers by `f64::total_cmp`).
    ///
    /// ```
    /// use ua_data::{Column, Table};
    /// let t = Table::new(vec![("a".into(), Column::numeric_opt(vec![Some(2.0), None, Some(1.0)]))]).unwrap();
    /// assert_eq!(t.argsort("a", true).unwrap(), vec![0, 2, 1]);
    /// ```
    pub fn argsort(&self, name: &str, descending: bool) -> Result<Vec<usize>> {
        let col = self.column(name)?;
        let mut idx: Vec<usize> = (0..self.n_rows).collect();
        fn sort_keys<K: Copy>(
            idx: &mut [usize],
            key: impl Fn(usize) -> Option<K>,
            cmp: impl Fn(&K, &K) -> Ordering,
            desc: bool,
        ) {
            idx.sort_by(|&a, &b| match (key(a), key(b)) {
                (Some(x), Some(y)) => {
                    if desc {
                        cmp(&y, &x)
                    } else {
                        cmp(&x, &y)
                    }
                }
                (Some(_), None) => Ordering::Less,
                (None, Some(_)) => Ordering::Greater,
                (None, None) => Ordering::Equal,
            });
        }
        match col {
            Column::Numeric(c) => sort_keys(&mut idx, |i| c.get(i), f64::total_cmp, descending),
            Column::Date(c) => sort_keys(&mut idx, |i| c.get(i), i32::cmp, descending),
            Column::Boolean(c) => sort_keys(&mut idx, |i| c.get(i), bool::cmp, descending),
            Column::Categorical(c) => {
                // Rank levels by string once, then sort by rank.
                let mut order: Vec<usize> = (0..c.n_levels()).collect();
                order.sort_by(|&a, &b| c.levels()[a].cmp(&c.levels()[b]));
                let mut rank = vec![0u32; c.n_levels()];
                for (r, &l) in order.iter().enumerate() {
                    rank[l] = r as u32;
                }
                sort_keys(
                    &mut idx,
                    |i| c.code(i).map(|k| rank[k as usize]),
                    u32::cmp,
                    descending,
                )
            }
        }
        Ok(idx)
    }

    /// The table sorted by column `name`; see [`argsort`](Self::argsort).
    ///
    /// ```
    /// use ua_data::{Column, Table};
    /// let t = Table::new(vec![("a".into(), Column::categorical(&["b", "c", "a"]))]).unwrap();
    /// let s = t.sort_by("a", false).unwrap();
    /// assert_eq!(s.categorical("a").unwrap().iter().collect::<Vec<_>>(), vec![Some("a"), Some("b"), Some("c")]);
    /// ```
    pub fn sort_by(&self, name: &str, descending: bool) -> Result<Table> {
        let idx = self.argsort(name, descending)?;
        Ok(self.take_unchecked(&idx))
    }

    /// The listed numeric columns as a row-major `n_rows × names.len()`
    /// matrix. Errors: unknown column, non-numeric column, missing values
    /// ([`Error::MissingAt`]: the count and where the first one is, as
    /// [`locate`](Self::locate) says), or a matrix larger than the memory
    /// budget of [`ua_tensor::budget`] (`UA_MEMORY_BUDGET`, checked before
    /// allocating).
    ///
    /// ```
    /// use ua_data::{Column, Table};
    /// let t = Table::new(vec![
    ///     ("a".into(), Column::numeric(vec![1.0, 2.0])),
    ///     ("b".into(), Column::numeric(vec![3.0, 4.0])),
    /// ]).unwrap();
    /// let m = t.numeric_matrix(&["b", "a"]).unwrap();
    /// assert_eq!(m, ua_data::ndarray::array![[3.0, 1.0], [4.0, 2.0]]);
    /// ```
    pub fn numeric_matrix(&self, names: &[&str]) -> Result<Array2<f64>> {
        let mut cols = Vec::with_capacity(names.len());
        for n in names {
            let c = self.numeric(n).map_err(|e| match e {
                Error::TypeMismatch {
                    column,
                    expected,
                    found,
                    ..
                } => Error::TypeMismatch {
                    op: "numeric_matrix",
                    column,
                    expected,
                    found,
                },
                other => other,
            })?;
            let missing = c.missing_count();
            if missing > 0 {
                let first_row = c.missing_mask().iter().position(|&m| m).unwrap_or(0);
                return Err(Error::MissingAt {
                    op: "numeric_matrix",
                    column: (*n).to_owned(),
                    count: missing,
                    at: self.locate(first_row),
                });
            }
            cols.push(c.values());
        }
        let k = cols.len();
        let count = ua_tensor::budget::elements("numeric_matrix", &[self.n_rows, k])?;
        ua_tensor::budget::check_allocation(
            "numeric_matrix",
            "the numeric matrix",
            count,
            std::mem::size_of::<f64>(),
        )?;
        let mut out = Array2::<f64>::zeros((self.n_rows, k));
        if let Some(flat) = out.as_slice_mut() {
            for (j, c) in cols.iter().enumerate() {
                for (i, &v) in c.iter().enumerate() {
                    flat[i * k + j] = v;
                }
            }
        }
        Ok(out)
    }

    /// Consumes the table into its `(name, column)` pairs (row provenance
    /// is dropped).
    ///
    /// ```
    /// use ua_data::{Column, Table};
    /// let t = Table::new(vec![("a".into(), Column::numeric(vec![1.0]))]).unwrap();
    /// assert_eq!(t.into_columns()[0].0, "a");
    /// ```
    pub fn into_columns(self) -> Vec<(String, Column)> {
        self.names.into_iter().zip(self.columns).collect()
    }

    /// Pretty-prints up to `max_rows` rows (the `Display` impl shows 10).
    ///
    /// ```
    /// use ua_data::{Column, Table};
    /// let t = Table::new(vec![("a".into(), Column::numeric(vec![1.0, 2.5]))]).unwrap();
    /// let s = t.to_pretty_string(1);
    /// assert!(s.contains("numeric") && s.contains("1 more row"));
    /// ```
    pub fn to_pretty_string(&self, max_rows: usize) -> String {
        let shown = max_rows.min(self.n_rows);
        let mut cells: Vec<Vec<String>> = Vec::with_capacity(self.n_cols());
        for (name, col) in self.columns() {
            let mut c = Vec::with_capacity(shown + 2);
            c.push(name.to_owned());
            c.push(col.dtype().name().to_owned());
            for i in 0..shown {
                c.push(col.display_cell(i));
            }
            cells.push(c);
        }
        let widths: Vec<usize> = cells
            .iter()
            .map(|c| {
                c.iter()
                    .map(|s| s.chars().count())
                    .max()
                    .unwrap_or(0)
                    .min(24)
            })
            .collect();
        let mut out = String::new();
        for line in 0..shown + 2 {
            let mut row = String::new();
            for (c, &w) in cells.iter().zip(&widths) {
                let s = &c[line];
                let s: String = if s.chars().count() > w {
                    s.chars().take(w.saturating_sub(1)).chain(['…']).collect()
                } else {
                    s.clone()
                };
                if !row.is_empty() {
                    row.push_str("  ");
                }
                row.push_str(&format!("{s:>w$}"));
            }
            out.push_str(row.trim_end());
            out.push('\n');
            if line == 1 {
                let total: usize =
                    widths.iter().sum::<usize>() + 2 * widths.len().saturating_sub(1);
                out.push_str(&"-".repeat(total));
                out.push('\n');
            }
        }
        let rest = self.n_rows - shown;
        if rest > 0 {
            out.push_str(&format!(
                "... {rest} more row{}\n",
                if rest == 1 { "" } else { "s" }
            ));
        }
        out.push_str(&format!(
            "[{} rows x {} columns]",
            self.n_rows,
            self.n_cols()
        ));
        out
    }
}

impl fmt::Display for Table {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_pretty_string(10))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use approx::assert_abs_diff_eq;

    fn sample() -> Table {
        Table::new(vec![
            ("id".into(), Column::categorical(&["a", "b", "c", "d"])),
            (
                "x".into(),
                Column::numeric_opt(vec![Some(3.0), None, Some(1.0), Some(3.0)]),
            ),
            (
                "flag".into(),
                Column::boolean_opt(vec![Some(true), Some(false), None, Some(true)]),
            ),
            ("d".into(), Column::date(vec![10, 5, 7, 1])),
        ])
        .unwrap()
    }

    fn ids(t: &Table) -> Vec<&str> {
        t.categorical("id")
            .unwrap()
            .iter()
            .map(|s| s.unwrap_or("NA"))
            .collect()
    }

    #[test]
    fn construction_errors() {
        let e = Table::new(vec![
            ("a".into(), Column::numeric(vec![1.0])),
            ("a".into(), Column::numeric(vec![1.0])),
        ])
        .unwrap_err();
        assert!(matches!(e, Error::DuplicateColumn { .. }));
        let e = Table::new(vec![
            ("a".into(), Column::numeric(vec![1.0])),
            ("b".into(), Column::numeric(vec![1.0, 2.0])),
        ])
        .unwrap_err()
        .to_string();
        assert!(e.contains("`b` has length 2, expected 1"), "{e}");
    }

    #[test]
    fn unknown_column_lists_available() {
        let e = sample().column("y").unwrap_err().to_string();
        assert!(e.contains("`y`") && e.contains("id, x, flag, d"), "{e}");
        assert!(sample().select(&["id", "nope"]).is_err());
        assert!(sample().sort_by("nope", false).is_err());
    }

    #[test]
    fn sort_stable_missing_last() {
        let t = sample();
        assert_eq!(
            ids(&t.sort_by("x", false).unwrap()),
            vec!["c", "a", "d", "b"]
        );
        assert_eq!(
            ids(&t.sort_by("x", true).unwrap()),
            vec!["a", "d", "c", "b"]
        );
        assert_eq!(
            ids(&t.sort_by("flag", false).unwrap()),
            vec!["b", "a", "d", "c"]
        );
        assert_eq!(
            ids(&t.sort_by("d", false).unwrap()),
            vec!["d", "b", "c", "a"]
        );
        assert_eq!(
            ids(&t.sort_by("id", true).unwrap()),
            vec!["d", "c", "b", "a"]
        );
    }

    #[test]
    fn filter_take_head_select() {
        let t = sample();
        let f = t.filter(&[true, false, false, true]).unwrap();
        assert_eq!(f.n_rows(), 2);
        assert_eq!(ids(&f), vec!["a", "d"]);
        assert_eq!(ids(&t.take(&[3, 3]).unwrap()), vec!["d", "d"]);
        assert_eq!(t.head(2).n_rows(), 2);
        let s = t.select(&["d", "id"]).unwrap();
        assert_eq!(s.column_names(), vec!["d", "id"]);
        assert_eq!(
            t.drop_columns(&["x", "flag"]).unwrap().column_names(),
            vec!["id", "d"]
        );
    }

    #[test]
    fn numeric_matrix_checks() {
        let t = sample();
        let e = t.numeric_matrix(&["x"]).unwrap_err().to_string();
        assert!(
            e.contains("`x` has 1 missing value(s), first at row 2"),
            "{e}"
        );
        let e = t.numeric_matrix(&["id"]).unwrap_err().to_string();
        assert!(e.contains("`id` has type categorical"), "{e}");
        let t2 = t.filter(&[true, false, true, true]).unwrap();
        let m = t2.numeric_matrix(&["x"]).unwrap();
        assert_eq!(m.shape(), &[3, 1]);
        assert_abs_diff_eq!(m[[1, 0]], 1.0);
    }

    #[test]
    fn serde_roundtrip() {
        let t = sample();
        let s = serde_json::to_string(&t).unwrap();
        let back: Table = serde_json::from_str(&s).unwrap();
        assert_eq!(back.n_rows(), 4);
        assert_eq!(back.column_names(), t.column_names());
        assert_eq!(back.column("id").unwrap(), t.column("id").unwrap());
        // Ragged JSON is refused.
        let bad = r#"{"columns":[{"name":"a","column":{"type":"boolean","data":{"values":[true]}}},
                     {"name":"b","column":{"type":"boolean","data":{"values":[]}}}]}"#;
        assert!(serde_json::from_str::<Table>(bad).is_err());
    }

    #[test]
    fn display_shows_types_and_na() {
        let s = sample().to_string();
        assert!(
            s.contains("categorical") && s.contains("NA") && s.contains("[4 rows x 4 columns]"),
            "{s}"
        );
        assert!(s.contains("1970-01-11"), "{s}");
    }
}
