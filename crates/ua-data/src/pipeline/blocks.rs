//! The built-in recipes behind the fluent builders of
//! [`ColumnTransformer`](super::ColumnTransformer): [`NumericSteps`]
//! (impute → `ln(1 + x)` → scale), [`CategoricalSteps`] (impute → encode)
//! and [`DateSteps`] (calendar parts → scale). Each is an ordinary
//! [`Transformer`] that checks its column types and fits a [`Chain`] of the
//! crate's own steps, so `.numeric(cols, steps)` is `.step(cols, steps)`.

use std::sync::Arc;

use serde::{Deserialize, Serialize};

use super::step::{Chain, ErasedTransformer, FittedChain};
use crate::clean::{Impute, Imputer};
use crate::encode::{DropCategory, HandleUnknown, OneHotEncoder, OrdinalEncoder};
use crate::scale::Scaler;
use crate::transform::{DatePart, DateParts, Log1p};
use crate::{ColumnType, Error, Result, Table, Transformer, Value};

/// Errors unless every column of `table` has one of the types `allowed`.
fn require_types(
    op: &'static str,
    table: &Table,
    allowed: &[ColumnType],
    expected: &str,
) -> Result<()> {
    match table.columns().find(|(_, c)| !allowed.contains(&c.dtype())) {
        Some((name, c)) => Err(Error::TypeMismatch {
            op,
            column: name.to_owned(),
            expected: expected.into(),
            found: c.dtype().name().into(),
        }),
        None => Ok(()),
    }
}

/// The steps of a numeric block, applied in order: impute, `ln(1 + x)`, scale.
///
/// ```
/// use ua_data::clean::Impute;
/// use ua_data::pipeline::NumericSteps;
/// use ua_data::scale::Scaler;
/// let steps = NumericSteps::default();
/// assert_eq!((steps.impute, steps.log1p, steps.scale), (Some(Impute::Median), false, Some(Scaler::standard())));
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NumericSteps {
    /// How missing values are filled (`Mean`, `Median`, `MostFrequent` or a
    /// numeric `Constant`); `None`: a missing value is an error.
    pub impute: Option<Impute>,
    /// Apply `ln(1 + x)` after imputation (values must be > −1).
    pub log1p: bool,
    /// The scaler fitted on the imputed (and log-transformed) training values.
    pub scale: Option<Scaler>,
}

impl Default for NumericSteps {
    /// Median imputation, no log, standard scaling.
    fn default() -> Self {
        NumericSteps {
            impute: Some(Impute::Median),
            log1p: false,
            scale: Some(Scaler::standard()),
        }
    }
}

impl Transformer for NumericSteps {
    type Fitted = FittedChain;

    /// Checks that every column is numeric with at least one value, then
    /// fits the chain imputer → log1p → scaler on the table.
    ///
    /// ```
    /// use ua_data::pipeline::NumericSteps;
    /// use ua_data::{Column, Table, Transform, Transformer};
    /// let t = Table::new(vec![("x".into(), Column::numeric_opt(vec![Some(1.0), None, Some(3.0)]))]).unwrap();
    /// let out = NumericSteps { scale: None, ..Default::default() }.fit(&t).unwrap().transform(&t).unwrap();
    /// assert_eq!(out.numeric("x").unwrap().values(), &[1.0, 2.0, 3.0]);
    /// ```
    fn fit(&self, table: &Table) -> Result<FittedChain> {
        const OP: &str = "ColumnTransformer::fit";
        require_types(OP, table, &[ColumnType::Numeric], "numeric")?;
        let n = table.n_rows();
        for (name, c) in table.columns() {
            if c.missing_count() == n {
                return Err(Error::InvalidArgument {
                    op: OP,
                    message: format!(
                        "numeric column `{name}` has no non-missing value in the {n} training \
                         rows; drop it"
                    ),
                });
            }
        }
        let mut steps: Vec<Arc<dyn ErasedTransformer>> = Vec::new();
        if let Some(impute) = &self.impute {
            if let Impute::Constant(v) = impute
                && !matches!(v, Value::Number(_))
            {
                return Err(Error::InvalidParameter {
                    op: OP,
                    name: "impute",
                    message: format!(
                        "numeric columns are imputed with Mean, Median, MostFrequent or a number, \
                         not the {} constant `{v}`",
                        v.column_type().map_or("missing", ColumnType::name)
                    ),
                });
            }
            steps.push(Arc::new(Imputer::new().all_numeric(impute.clone())));
        }
        if self.log1p {
            steps.push(Arc::new(Log1p::all()));
        }
        if let Some(s) = self.scale {
            steps.push(Arc::new(s));
        }
        if steps.is_empty() {
            steps.push(Arc::new(super::Passthrough));
        }
        Chain::from_erased(steps).fit(table)
    }
}

/// How categories become numbers.
///
/// ```
/// use ua_data::encode::HandleUnknown;
/// use ua_data::pipeline::Encode;
/// let e = Encode::one_hot(HandleUnknown::Ignore);
/// assert!(matches!(e, Encode::OneHot { min_frequency: None, .. }));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Encode {
    /// One 0/1 feature per category (see [`OneHotEncoder`]).
    OneHot {
        /// Unseen categories: all zeros or an error.
        handle_unknown: HandleUnknown,
        /// Drop the first category's indicator.
        drop: DropCategory,
        /// Rarer categories share one `column=(infrequent)` feature.
        min_frequency: Option<usize>,
        /// At most this many features per column, `column=(infrequent)`
        /// included (see [`OneHotEncoder::max_categories`]).
        #[serde(default)]
        max_categories: Option<usize>,
    },
    /// One feature holding the category's index in the sorted training
    /// categories (see [`OrdinalEncoder`]).
    Ordinal {
        /// Code of unseen categories; `None`: an unseen category is an error.
        unknown_value: Option<f64>,
    },
}

impl Encode {
    /// One-hot encoding with all indicators and no frequency threshold.
    ///
    /// ```
    /// use ua_data::encode::HandleUnknown;
    /// let e = ua_data::pipeline::Encode::one_hot(HandleUnknown::Error);
    /// assert!(matches!(e, ua_data::pipeline::Encode::OneHot { handle_unknown: HandleUnknown::Error, .. }));
    /// ```
    pub fn one_hot(handle_unknown: HandleUnknown) -> Self {
        Encode::OneHot {
            handle_unknown,
            drop: DropCategory::None,
            min_frequency: None,
            max_categories: None,
        }
    }

    /// One-hot encoding with the cardinality limits of
    /// [`ColumnTransformer::auto`](super::ColumnTransformer::auto) for a
    /// training table of `n_rows` rows: unknown categories ignored (they
    /// share the infrequent feature when there is one), at most
    /// [`AUTO_MAX_CATEGORIES`] features per column, and categories seen in
    /// fewer than `min(`[`AUTO_MIN_FREQUENCY`]`, ⌈1 % of n_rows⌉)` rows grouped
    /// as infrequent.
    ///
    /// ```
    /// use ua_data::pipeline::Encode;
    /// let e = Encode::one_hot_limited(50_000);
    /// assert!(matches!(e, Encode::OneHot { min_frequency: Some(5), max_categories: Some(100), .. }));
    /// let small = Encode::one_hot_limited(120);
    /// assert!(matches!(small, Encode::OneHot { min_frequency: Some(2), .. }));
    /// ```
    pub fn one_hot_limited(n_rows: usize) -> Self {
        Encode::OneHot {
            handle_unknown: HandleUnknown::Ignore,
            drop: DropCategory::None,
            min_frequency: Some(AUTO_MIN_FREQUENCY.min(n_rows.div_ceil(100))),
            max_categories: Some(AUTO_MAX_CATEGORIES),
        }
    }
}

/// The most features [`ColumnTransformer::auto`](super::ColumnTransformer::auto)
/// makes from one categorical column: 99 categories and
/// `column=(infrequent)`. A hundred indicators keep the one-hot block of a
/// column small next to the rest of a typical customer table (and the
/// matrix of 50,000 rows well under the memory budget) while covering the
/// levels of real categorical fields — US states with DC (51; a cap of 50
/// merged two states and moved the telecom benchmark), devices, plans,
/// channels, most country lists; a column with many more levels is usually
/// an identifier or free text, which the automatic recipe reports instead.
///
/// ```
/// assert_eq!(ua_data::pipeline::AUTO_MAX_CATEGORIES, 100);
/// ```
pub const AUTO_MAX_CATEGORIES: usize = 100;

/// Training rows a category needs in
/// [`ColumnTransformer::auto`](super::ColumnTransformer::auto) to keep its
/// own feature (on tables of 500 rows or more; on smaller tables 1 % of the
/// rows, rounded up): a coefficient learned from fewer than five examples
/// is mostly noise, and grouping them keeps their signal in one feature.
///
/// ```
/// assert_eq!(ua_data::pipeline::AUTO_MIN_FREQUENCY, 5);
/// ```
pub const AUTO_MIN_FREQUENCY: usize = 5;

/// The steps of a categorical block (categorical or boolean columns):
/// impute, then encode.
///
/// ```
/// use ua_data::clean::Impute;
/// use ua_data::encode::HandleUnknown;
/// use ua_data::pipeline::{CategoricalSteps, Encode};
/// let steps = CategoricalSteps::default();
/// assert_eq!(steps.impute, Some(Impute::MostFrequent));
/// assert_eq!(steps.encode, Encode::one_hot(HandleUnknown::Ignore));
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CategoricalSteps {
    /// How missing values are filled ([`Impute::MostFrequent`] or a
    /// [`Impute::Constant`] of the column's type, e.g. `"unknown"`); `None`:
    /// missing values are all-zero rows (one-hot) or an error (ordinal).
    pub impute: Option<Impute>,
    /// How categories become numbers.
    pub encode: Encode,
}

impl Default for CategoricalSteps {
    /// Most-frequent imputation, one-hot encoding with unknown categories ignored.
    fn default() -> Self {
        CategoricalSteps {
            impute: Some(Impute::MostFrequent),
            encode: Encode::one_hot(HandleUnknown::Ignore),
        }
    }
}

impl Transformer for CategoricalSteps {
    type Fitted = FittedChain;

    /// Checks that every column is categorical or boolean, then fits the
    /// chain imputer → encoder on the table.
    ///
    /// ```
    /// use ua_data::pipeline::CategoricalSteps;
    /// use ua_data::{Column, Table, Transform, Transformer};
    /// let t = Table::new(vec![("c".into(), Column::categorical_opt(&[Some("a"), None, Some("a")]))]).unwrap();
    /// let out = CategoricalSteps::default().fit(&t).unwrap().transform(&t).unwrap();
    /// assert_eq!(out.numeric("c=a").unwrap().values(), &[1.0, 1.0, 1.0]);
    /// ```
    fn fit(&self, table: &Table) -> Result<FittedChain> {
        const OP: &str = "ColumnTransformer::fit";
        require_types(
            OP,
            table,
            &[ColumnType::Categorical, ColumnType::Boolean],
            "categorical or boolean",
        )?;
        let mut steps: Vec<Arc<dyn ErasedTransformer>> = Vec::new();
        if let Some(impute) = &self.impute {
            if matches!(impute, Impute::Mean | Impute::Median) {
                let name = table.column_names().first().map_or("", |n| *n).to_owned();
                return Err(Error::InvalidParameter {
                    op: OP,
                    name: "impute",
                    message: format!(
                        "column `{name}` is categorical: impute it with MostFrequent or a \
                         Constant level, not {}",
                        impute.name()
                    ),
                });
            }
            let mut imputer = Imputer::new();
            for name in table.column_names() {
                imputer = imputer.column(name, impute.clone());
            }
            steps.push(Arc::new(imputer));
        }
        steps.push(match self.encode {
            Encode::OneHot {
                handle_unknown,
                drop,
                min_frequency,
                max_categories,
            } => {
                let mut e = OneHotEncoder::all()
                    .handle_unknown(handle_unknown)
                    .drop(drop);
                e.min_frequency = min_frequency;
                e.max_categories = max_categories;
                Arc::new(e)
            }
            Encode::Ordinal { unknown_value } => Arc::new(OrdinalEncoder {
                columns: Vec::new(),
                unknown_value,
            }),
        });
        Chain::from_erased(steps).fit(table)
    }
}

/// The steps of a date block: calendar parts (`column.part`), then scale.
/// Missing dates are an error (impute or drop them before).
///
/// ```
/// use ua_data::pipeline::DateSteps;
/// use ua_data::transform::DatePart;
/// assert_eq!(DateSteps::default().parts, vec![DatePart::Year, DatePart::Month, DatePart::Weekday, DatePart::DayOfYear]);
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DateSteps {
    /// The calendar parts to extract, in output order.
    pub parts: Vec<DatePart>,
    /// The scaler fitted on the training parts.
    pub scale: Option<Scaler>,
}

impl Default for DateSteps {
    /// Year, month, weekday and day of year, standard-scaled.
    fn default() -> Self {
        DateSteps {
            parts: vec![
                DatePart::Year,
                DatePart::Month,
                DatePart::Weekday,
                DatePart::DayOfYear,
            ],
            scale: Some(Scaler::standard()),
        }
    }
}

impl Transformer for DateSteps {
    type Fitted = FittedChain;

    /// Checks that every column holds dates without a missing value, then
    /// fits the chain date parts → scaler on the table.
    ///
    /// ```
    /// use ua_data::pipeline::DateSteps;
    /// use ua_data::transform::DatePart;
    /// use ua_data::{Column, Table, Transform, Transformer};
    /// let t = Table::new(vec![("d".into(), Column::date(vec![0, 31]))]).unwrap();
    /// let steps = DateSteps { parts: vec![DatePart::Month], scale: None };
    /// let out = steps.fit(&t).unwrap().transform(&t).unwrap();
    /// assert_eq!(out.numeric("d.month").unwrap().values(), &[1.0, 2.0]);
    /// ```
    fn fit(&self, table: &Table) -> Result<FittedChain> {
        const OP: &str = "ColumnTransformer::fit";
        require_types(OP, table, &[ColumnType::Date], "date")?;
        for (name, c) in table.columns() {
            if let Some(first_row) = (0..c.len()).find(|&i| c.is_missing(i)) {
                return Err(Error::MissingAt {
                    op: OP,
                    column: name.to_owned(),
                    count: c.missing_count(),
                    at: table.locate(first_row),
                });
            }
        }
        let mut steps: Vec<Arc<dyn ErasedTransformer>> =
            vec![Arc::new(DateParts::all(&self.parts))];
        if let Some(s) = self.scale {
            steps.push(Arc::new(s));
        }
        Chain::from_erased(steps).fit(table)
    }
}
