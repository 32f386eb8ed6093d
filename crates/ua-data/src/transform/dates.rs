//! Calendar parts of date columns: [`DatePart`] and [`DateParts`].

use serde::{Deserialize, Serialize};
use ua_tensor::persist::Persist;

use super::{distinct_names, resolve_columns};
use crate::encode::column;
use crate::pipeline::FittedStep;
use crate::{Column, ColumnType, Error, NumericColumn, Result, Table, Transform, Transformer};

/// A calendar part of a date.
///
/// ```
/// use ua_data::transform::DatePart;
/// let d = ua_data::date::from_ymd(2024, 3, 1).unwrap(); // a Friday
/// assert_eq!(DatePart::Weekday.of(d), 4.0);
/// assert_eq!(DatePart::DayOfYear.of(d), 61.0); // leap year
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DatePart {
    /// The year, e.g. 2024.
    Year,
    /// The month, 1–12.
    Month,
    /// The day of the month, 1–31.
    Day,
    /// The day of the week, 0 = Monday … 6 = Sunday.
    Weekday,
    /// The day of the year, 1–366.
    DayOfYear,
}

impl DatePart {
    /// All five parts, in declaration order.
    pub const ALL: [DatePart; 5] = [
        DatePart::Year,
        DatePart::Month,
        DatePart::Day,
        DatePart::Weekday,
        DatePart::DayOfYear,
    ];

    /// The suffix of the output column: `year`, `month`, `day`, `weekday`, `day_of_year`.
    ///
    /// ```
    /// assert_eq!(ua_data::transform::DatePart::DayOfYear.name(), "day_of_year");
    /// ```
    pub fn name(self) -> &'static str {
        match self {
            DatePart::Year => "year",
            DatePart::Month => "month",
            DatePart::Day => "day",
            DatePart::Weekday => "weekday",
            DatePart::DayOfYear => "day_of_year",
        }
    }

    /// The part of the date `days` (days since 1970-01-01).
    ///
    /// ```
    /// use ua_data::transform::DatePart;
    /// assert_eq!(DatePart::Year.of(0), 1970.0);
    /// assert_eq!(DatePart::Weekday.of(0), 3.0); // 1970-01-01 was a Thursday
    /// ```
    pub fn of(self, days: i32) -> f64 {
        let (y, m, d) = crate::date::ymd(days);
        match self {
            DatePart::Year => f64::from(y),
            DatePart::Month => f64::from(m),
            DatePart::Day => f64::from(d),
            DatePart::Weekday => f64::from(crate::date::weekday(days)),
            DatePart::DayOfYear => {
                let jan1 = crate::date::from_ymd(y, 1, 1).unwrap_or(days);
                f64::from(days - jan1 + 1)
            }
        }
    }
}

/// Splits each date column into numeric calendar parts named
/// `column.part` (e.g. `signup.month`), in place of the date column.
/// Missing dates give missing parts.
///
/// ```
/// use ua_data::transform::{DatePart, DateParts};
/// use ua_data::{Column, Table, Transform, Transformer};
/// let d = ua_data::date::from_ymd(2023, 12, 31).unwrap();
/// let t = Table::new(vec![("signup".into(), Column::date(vec![d]))]).unwrap();
/// let parts = DateParts::new(&["signup"], &[DatePart::Month, DatePart::DayOfYear]);
/// let out = parts.fit(&t).unwrap().transform(&t).unwrap();
/// assert_eq!(out.column_names(), vec!["signup.month", "signup.day_of_year"]);
/// assert_eq!(out.numeric("signup.day_of_year").unwrap().values(), &[365.0]);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DateParts {
    /// The date columns.
    pub columns: Vec<String>,
    /// The parts to extract, in output order.
    pub parts: Vec<DatePart>,
}

impl DateParts {
    /// Extracts `parts` from `columns`.
    ///
    /// ```
    /// use ua_data::transform::{DatePart, DateParts};
    /// assert_eq!(DateParts::new(&["d"], &DatePart::ALL).parts.len(), 5);
    /// ```
    pub fn new(columns: &[&str], parts: &[DatePart]) -> Self {
        DateParts {
            columns: columns.iter().map(|&c| c.to_owned()).collect(),
            parts: parts.to_vec(),
        }
    }

    /// Extracts `parts` from every date column of the table it is fitted on.
    ///
    /// ```
    /// use ua_data::transform::{DatePart, DateParts};
    /// use ua_data::{Column, Table, Transformer};
    /// let t = Table::new(vec![("d".into(), Column::date(vec![0]))]).unwrap();
    /// assert_eq!(DateParts::all(&[DatePart::Year]).fit(&t).unwrap().feature_names(), vec!["d.year"]);
    /// ```
    pub fn all(parts: &[DatePart]) -> Self {
        DateParts {
            columns: Vec::new(),
            parts: parts.to_vec(),
        }
    }
}

/// A fitted [`DateParts`] (it learns nothing; fitting checks the columns).
///
/// ```
/// use ua_data::transform::{DatePart, DateParts, FittedDateParts};
/// use ua_data::{Column, Table, Transformer};
/// let t = Table::new(vec![("d".into(), Column::date(vec![0]))]).unwrap();
/// let f: FittedDateParts = DateParts::new(&["d"], &[DatePart::Year]).fit(&t).unwrap();
/// assert_eq!(f.feature_names(), vec!["d.year"]);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FittedDateParts {
    spec: DateParts,
}

/// Calendar parts of a date column: one `(values, missing)` pair per part.
pub(crate) fn date_parts(
    table: &Table,
    name: &str,
    parts: &[DatePart],
    op: &'static str,
) -> Result<Vec<(Vec<f64>, Vec<bool>)>> {
    let c = match column(table, name, op)? {
        Column::Date(c) => c,
        other => {
            return Err(Error::TypeMismatch {
                op,
                column: name.to_owned(),
                expected: "date".into(),
                found: other.dtype().name().into(),
            });
        }
    };
    Ok(parts
        .iter()
        .map(|&p| {
            let values = c
                .days()
                .iter()
                .zip(c.missing_mask())
                .map(|(&d, &m)| if m { f64::NAN } else { p.of(d) })
                .collect();
            (values, c.missing_mask().to_vec())
        })
        .collect())
}

impl FittedDateParts {
    /// Output column names, `column.part`, column by column.
    ///
    /// ```
    /// use ua_data::transform::{DatePart, DateParts};
    /// use ua_data::{Column, Table, Transformer};
    /// let t = Table::new(vec![("d".into(), Column::date(vec![0]))]).unwrap();
    /// let f = DateParts::new(&["d"], &[DatePart::Year, DatePart::Month]).fit(&t).unwrap();
    /// assert_eq!(f.feature_names(), vec!["d.year", "d.month"]);
    /// ```
    pub fn feature_names(&self) -> Vec<String> {
        self.spec
            .columns
            .iter()
            .flat_map(|c| {
                self.spec
                    .parts
                    .iter()
                    .map(move |p| format!("{c}.{}", p.name()))
            })
            .collect()
    }
}

impl Transformer for DateParts {
    type Fitted = FittedDateParts;

    /// Checks that the columns exist and hold dates, and that parts are given.
    fn fit(&self, table: &Table) -> Result<FittedDateParts> {
        const OP: &str = "DateParts::fit";
        if self.parts.is_empty() {
            return Err(Error::InvalidParameter {
                op: OP,
                name: "parts",
                message: "no date part requested; name at least one".into(),
            });
        }
        if let Some(p) = self
            .parts
            .iter()
            .enumerate()
            .find_map(|(i, p)| self.parts[..i].contains(p).then_some(p))
        {
            return Err(Error::InvalidParameter {
                op: OP,
                name: "parts",
                message: format!("the part {} is listed twice", p.name()),
            });
        }
        let columns = resolve_columns(table, &self.columns, &[ColumnType::Date]);
        for name in &columns {
            date_parts(table, name, &[], OP)?;
        }
        Ok(FittedDateParts {
            spec: DateParts {
                columns,
                parts: self.parts.clone(),
            },
        })
    }
}

impl Persist for FittedDateParts {
    const KIND: &'static str = "ua-data/date-parts";

    /// At least one part, no part twice, column names distinct.
    fn validate(&self) -> std::result::Result<(), String> {
        if self.spec.parts.is_empty() {
            return Err("no date part".into());
        }
        distinct_names("date part", self.spec.parts.iter().map(|p| p.name()))?;
        distinct_names("column", self.spec.columns.iter().map(String::as_str))
    }
}

#[typetag::serde(name = "ua-data/date-parts")]
impl FittedStep for FittedDateParts {
    fn check_invariants(&self) -> std::result::Result<(), String> {
        Persist::validate(self)
    }
}

impl Transform for FittedDateParts {
    /// Replaces each date column by its parts.
    fn transform(&self, table: &Table) -> Result<Table> {
        const OP: &str = "DateParts::transform";
        let mut expanded = Vec::with_capacity(self.spec.columns.len());
        for name in &self.spec.columns {
            expanded.push(Some(date_parts(table, name, &self.spec.parts, OP)?));
        }
        let mut out = Vec::new();
        for (name, col) in table.columns() {
            match self.spec.columns.iter().position(|c| c == name) {
                Some(i) => {
                    let parts = expanded
                        .get_mut(i)
                        .and_then(Option::take)
                        .unwrap_or_default();
                    for (p, (values, missing)) in self.spec.parts.iter().zip(parts) {
                        out.push((
                            format!("{name}.{}", p.name()),
                            Column::Numeric(NumericColumn::new(values, missing)?),
                        ));
                    }
                }
                None => out.push((name.to_owned(), col.clone())),
            }
        }
        Table::new(out)
    }
}
