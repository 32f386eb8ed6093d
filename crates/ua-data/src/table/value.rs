//! The logical type of a column ([`ColumnType`]) and one cell of a table ([`Value`]).

use std::borrow::Cow;
use std::fmt;

use serde::{Deserialize, Serialize};

/// The logical type of a column.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ColumnType {
    /// Real numbers (`f64`).
    Numeric,
    /// Strings from a finite set of levels, dictionary-encoded.
    Categorical,
    /// `true` / `false`.
    Boolean,
    /// Calendar dates, days since 1970-01-01.
    Date,
}

impl ColumnType {
    /// Lower-case name, as used in messages and JSON: `numeric`, `categorical`, `boolean`, `date`.
    ///
    /// ```
    /// assert_eq!(ua_data::ColumnType::Date.name(), "date");
    /// ```
    pub fn name(self) -> &'static str {
        match self {
            ColumnType::Numeric => "numeric",
            ColumnType::Categorical => "categorical",
            ColumnType::Boolean => "boolean",
            ColumnType::Date => "date",
        }
    }
}

impl fmt::Display for ColumnType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// One cell of a table, as returned by [`Column::get`](crate::Column::get).
///
/// Text borrows from the column (`Cow::Borrowed`); use
/// [`Value::into_owned`] to keep a value beyond the table's lifetime, or build
/// one with [`Value::text`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Value<'a> {
    /// No value.
    Missing,
    /// A number.
    Number(f64),
    /// A categorical level.
    Text(Cow<'a, str>),
    /// A boolean.
    Bool(bool),
    /// A date, days since 1970-01-01.
    Date(i32),
}

impl Value<'_> {
    /// An owned text value.
    ///
    /// ```
    /// use ua_data::Value;
    /// assert_eq!(Value::text("a"), Value::Text("a".into()));
    /// ```
    pub fn text(s: impl Into<String>) -> Value<'static> {
        Value::Text(Cow::Owned(s.into()))
    }

    /// Copies borrowed text so that the value lives on its own.
    ///
    /// ```
    /// use ua_data::Column;
    /// let v = Column::categorical(&["a"]).get(0).unwrap().into_owned();
    /// assert_eq!(v, ua_data::Value::text("a"));
    /// ```
    pub fn into_owned(self) -> Value<'static> {
        match self {
            Value::Missing => Value::Missing,
            Value::Number(x) => Value::Number(x),
            Value::Text(s) => Value::Text(Cow::Owned(s.into_owned())),
            Value::Bool(b) => Value::Bool(b),
            Value::Date(d) => Value::Date(d),
        }
    }

    /// Whether this is [`Value::Missing`].
    ///
    /// ```
    /// assert!(ua_data::Value::Missing.is_missing());
    /// ```
    pub fn is_missing(&self) -> bool {
        matches!(self, Value::Missing)
    }

    /// The column type this value belongs to (`None` for `Missing`).
    ///
    /// ```
    /// use ua_data::{ColumnType, Value};
    /// assert_eq!(Value::Number(1.0).column_type(), Some(ColumnType::Numeric));
    /// ```
    pub fn column_type(&self) -> Option<ColumnType> {
        match self {
            Value::Missing => None,
            Value::Number(_) => Some(ColumnType::Numeric),
            Value::Text(_) => Some(ColumnType::Categorical),
            Value::Bool(_) => Some(ColumnType::Boolean),
            Value::Date(_) => Some(ColumnType::Date),
        }
    }
}

impl From<f64> for Value<'static> {
    /// A number.
    ///
    /// ```
    /// assert_eq!(ua_data::Value::from(2.5), ua_data::Value::Number(2.5));
    /// ```
    fn from(x: f64) -> Self {
        Value::Number(x)
    }
}

impl From<bool> for Value<'static> {
    /// A boolean.
    ///
    /// ```
    /// assert_eq!(ua_data::Value::from(true), ua_data::Value::Bool(true));
    /// ```
    fn from(b: bool) -> Self {
        Value::Bool(b)
    }
}

impl From<&str> for Value<'static> {
    /// An owned text value (a categorical level).
    ///
    /// ```
    /// assert_eq!(ua_data::Value::from("gold"), ua_data::Value::text("gold"));
    /// ```
    fn from(s: &str) -> Self {
        Value::text(s)
    }
}

impl From<String> for Value<'static> {
    /// An owned text value (a categorical level).
    ///
    /// ```
    /// assert_eq!(ua_data::Value::from(String::from("a")), ua_data::Value::text("a"));
    /// ```
    fn from(s: String) -> Self {
        Value::text(s)
    }
}

impl fmt::Display for Value<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Missing => f.write_str("NA"),
            Value::Number(x) => write!(f, "{x}"),
            Value::Text(s) => f.write_str(s),
            Value::Bool(b) => write!(f, "{b}"),
            Value::Date(d) => f.write_str(&crate::date::format_date(*d)),
        }
    }
}
