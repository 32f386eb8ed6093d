//! The one error type of `ua-data`.

/// What went wrong while loading, cleaning or transforming data.
///
/// Every message says what was wrong and where: the operation, the column,
/// the place of a row (`line 102`, the 1-based line of the file it was read
/// from, or `row 51`, the 1-based row of a table built in memory; 0-based
/// positions only for plain matrices), the value found and what was
/// expected. Values are printed between backticks, never with Rust's
/// debug quoting. New variants may be added in minor versions, so a `match`
/// needs a wildcard arm.
///
/// ```
/// use ua_data::{Column, Error, Table};
/// let t = Table::new(vec![("age".into(), Column::numeric(vec![1.0]))]).unwrap();
/// let err = t.column("agee").unwrap_err();
/// assert!(matches!(err, Error::UnknownColumn { .. }));
/// assert_eq!(err.to_string(), "column: unknown column `agee`; available columns: age");
/// ```
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// An argument outside its allowed range.
    #[error("{op}: invalid argument: {message}")]
    InvalidArgument {
        /// The operation that was asked for.
        op: &'static str,
        /// What was wrong and what is allowed.
        message: String,
    },
    /// A hyper-parameter outside its allowed range, checked when a step is
    /// fitted (or a split is made).
    #[error("{op}: parameter `{name}`: {message}")]
    InvalidParameter {
        /// The operation that was asked for.
        op: &'static str,
        /// The parameter, as spelled in the API (`quantile_range`, `n_bins`, ...).
        name: &'static str,
        /// The value found and what is allowed.
        message: String,
    },
    /// A column name that the table does not have.
    #[error("{op}: unknown column `{name}`; available columns: {available}")]
    UnknownColumn {
        /// The operation that was asked for.
        op: &'static str,
        /// The name that was asked for.
        name: String,
        /// The names the table has, comma-separated.
        available: String,
    },
    /// Two columns with the same name.
    #[error("{op}: duplicate column name `{name}`")]
    DuplicateColumn {
        /// The operation that was asked for.
        op: &'static str,
        /// The repeated name.
        name: String,
    },
    /// A column of another type than the operation needs.
    #[error("{op}: column `{column}` has type {found}, expected {expected}")]
    TypeMismatch {
        /// The operation that was asked for.
        op: &'static str,
        /// The column concerned.
        column: String,
        /// The type(s) the operation accepts.
        expected: String,
        /// The type the column has.
        found: String,
    },
    /// A column (or mask, or index list) of the wrong length.
    #[error("{op}: `{column}` has length {found}, expected {expected}")]
    LengthMismatch {
        /// The operation that was asked for.
        op: &'static str,
        /// The column or argument concerned.
        column: String,
        /// The length that would have fitted.
        expected: usize,
        /// The length that was given.
        found: usize,
    },
    /// A CSV field that cannot be read as the type its column needs.
    #[error("{source_name}, line {line}, column `{column}`: cannot parse `{value}` as {expected}")]
    Parse {
        /// The file name (or the name given to a reader).
        source_name: String,
        /// 1-based line number as a text editor shows it.
        line: u64,
        /// The column concerned.
        column: String,
        /// The offending field.
        value: String,
        /// The type that was expected.
        expected: String,
    },
    /// A malformed CSV file (ragged row, bad quoting, invalid UTF-8, ...).
    #[error("{source_name}, line {line}: {message}")]
    Csv {
        /// The file name (or the name given to a reader).
        source_name: String,
        /// 1-based line number as a text editor shows it (0 if unknown).
        line: u64,
        /// What is wrong.
        message: String,
    },
    /// The operating system could not read or write a file (or a reader
    /// failed). Never used for bad contents: those are [`Error::Csv`] and
    /// [`Error::Parse`].
    #[error("{path}: {source}")]
    Io {
        /// The file concerned (or the name given to a reader).
        path: String,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// A category that was not seen when the step was fitted, located as
    /// [`Table::locate`](crate::Table::locate) does (`line 102` for a row
    /// read from a file, else `row 51`, 1-based).
    ///
    /// ```
    /// let e = ua_data::Error::UnknownCategory {
    ///     op: "OneHotEncoder::transform",
    ///     column: "city".into(),
    ///     at: "line 5".into(),
    ///     value: "Rome".into(),
    /// };
    /// assert_eq!(
    ///     e.to_string(),
    ///     "OneHotEncoder::transform: column `city`: unknown category `Rome` at line 5 (not seen at fit time); use handle_unknown = Ignore to encode it as all zeros"
    /// );
    /// ```
    #[error(
        "{op}: column `{column}`: unknown category `{value}` at {at} (not seen at fit time); use handle_unknown = Ignore to encode it as all zeros"
    )]
    UnknownCategory {
        /// The operation that was asked for.
        op: &'static str,
        /// The column concerned.
        column: String,
        /// Where: `line N` (source file line) or `row N` (1-based data row).
        at: String,
        /// The unseen category.
        value: String,
    },
    /// A value outside the domain the operation accepts, in a matrix (no
    /// table, so no file line): `row` and `column` are 0-based positions as
    /// in `ua_tensor`'s errors. Values of a [`Table`](crate::Table) are
    /// reported with [`Error::BadValue`] instead.
    #[error("{op}: column `{column}`, row {row}: value `{value}` is invalid, expected {expected}")]
    InvalidValue {
        /// The operation that was asked for.
        op: &'static str,
        /// The column concerned.
        column: String,
        /// 0-based row index.
        row: usize,
        /// The offending value, printed.
        value: String,
        /// What the operation accepts.
        expected: String,
    },
    /// A column whose type differs from the type the fitted pipeline saw at
    /// fit time and that cannot be converted without loss.
    #[error(
        "{op}: column `{column}` was {expected} when the pipeline was fitted but is {found} here: {reason}; {hint}"
    )]
    SchemaMismatch {
        /// The operation that was asked for.
        op: &'static str,
        /// The column concerned.
        column: String,
        /// The type seen at fit time.
        expected: crate::ColumnType,
        /// The type of the column now.
        found: crate::ColumnType,
        /// Why the column cannot be converted (row and value when one is at fault).
        reason: String,
        /// What to do about it.
        hint: String,
    },
    /// A saved model that could not be written or read back (bad file,
    /// another kind, a newer format, broken contents).
    #[error(transparent)]
    Persist(#[from] ua_tensor::persist::PersistError),
    /// An error from a numeric kernel.
    #[error(transparent)]
    Tensor(#[from] ua_tensor::Error),
    /// A value the operation cannot use, located where the user can find it:
    /// `at` is [`Table::locate`](crate::Table::locate) of its row (`line 102`
    /// for a row read from a file, else `row 51`, 1-based).
    ///
    /// ```
    /// let e = ua_data::Error::BadValue {
    ///     op: "binary_labels",
    ///     column: "churned".into(),
    ///     at: "line 12".into(),
    ///     value: "maybe".into(),
    ///     expected: "a yes/no word".into(),
    /// };
    /// assert_eq!(e.to_string(), "binary_labels: column `churned`: `maybe` at line 12 is not a yes/no word");
    /// ```
    #[error("{op}: column `{column}`: `{value}` at {at} is not {expected}")]
    BadValue {
        /// The operation that was asked for.
        op: &'static str,
        /// The column concerned.
        column: String,
        /// Where: `line N` (source file line) or `row N` (1-based data row).
        at: String,
        /// The offending value, printed as the user wrote it.
        value: String,
        /// What the operation accepts, as a noun phrase (`a number`, `0 or 1`).
        expected: String,
    },
    /// Missing values where the operation needs complete data, with the
    /// first one located as [`Table::locate`](crate::Table::locate) does
    /// (a column with no value at all points at its first row).
    ///
    /// ```
    /// let e = ua_data::Error::MissingAt {
    ///     op: "numeric_matrix",
    ///     column: "age".into(),
    ///     count: 3,
    ///     at: "line 7".into(),
    /// };
    /// assert_eq!(
    ///     e.to_string(),
    ///     "numeric_matrix: column `age` has 3 missing value(s), first at line 7; impute or drop them first"
    /// );
    /// ```
    #[error(
        "{op}: column `{column}` has {count} missing value(s), first at {at}; impute or drop them first"
    )]
    MissingAt {
        /// The operation that was asked for.
        op: &'static str,
        /// The column concerned.
        column: String,
        /// How many values are missing.
        count: usize,
        /// Where the first one is: `line N` or `row N` (1-based).
        at: String,
    },
}

/// `Result` with [`Error`].
pub type Result<T> = std::result::Result<T, Error>;
