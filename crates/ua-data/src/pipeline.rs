//! The [`ColumnTransformer`]: a declarative spec of which preprocessing steps
//! apply to which columns, fitted as one object that turns a [`Table`] into
//! the `Array2<f32>` a model consumes, plus the name of every feature.
//!
//! ```text
//! Table ──► numeric block      impute → log1p → scale        ──┐
//!       ──► categorical block  impute → one-hot / ordinal    ──┼─► Array2<f32> (rows × features)
//!       ──► date block         date parts → scale            ──┤   + feature names
//!       ──► passthrough        numbers, booleans as 0/1      ──┘   + report of what was imputed
//! ```
//!
//! ## Fit on the training split only
//!
//! [`ColumnTransformer::fit`] learns everything from the **training** table
//! — imputation values (medians, most frequent levels), category lists,
//! scaler statistics — and returns a [`FittedColumnTransformer`]. That one
//! object then transforms the validation split, the test split and every
//! new user, unchanged. It is serde-serialisable, so save it next to the
//! model it feeds and load them together: a model must never meet features
//! scaled with statistics other than the ones it was trained with.
//!
//! At transform time, missing columns are an error naming the column, extra
//! columns are ignored, unseen categories follow the encoder's
//! `handle_unknown`, and [`FittedColumnTransformer::transform_with_report`]
//! says how many values were imputed or encoded as zeros in each column.
//!
//! ```
//! use ua_data::pipeline::{CategoricalSteps, ColumnTransformer, NumericSteps};
//! use ua_data::{Column, Table};
//!
//! let train = Table::new(vec![
//!     ("age".into(), Column::numeric_opt(vec![Some(20.0), Some(40.0), None])),
//!     ("city".into(), Column::categorical(&["Paris", "Lyon", "Paris"])),
//! ]).unwrap();
//! let pipe = ColumnTransformer::new()
//!     .numeric(&["age"], NumericSteps::default()) // median impute + standard scale
//!     .categorical(&["city"], CategoricalSteps::default()) // most-frequent impute + one-hot
//!     .fit(&train)
//!     .unwrap();
//! assert_eq!(pipe.feature_names(), &["age", "city=Lyon", "city=Paris"]);
//!
//! let new_user = Table::new(vec![
//!     ("age".into(), Column::numeric(vec![30.0])),
//!     ("city".into(), Column::categorical(&["Rome"])), // unseen: all zeros
//! ]).unwrap();
//! let x = pipe.transform(&new_user).unwrap();
//! assert_eq!(x.row(0).to_vec(), vec![0.0, 0.0, 0.0]); // 30 is the training mean after imputing 30
//! ```

use ndarray::{Array2, ArrayViewMut2, s};
use serde::{Deserialize, Serialize};

use crate::clean::{Strategy, numeric_fill_value};
use crate::encode::{
    Coded, DropCategory, HandleUnknown, OneHotColumn, OrdinalColumn, coded, column, most_frequent,
};
use crate::scale::{FittedScaler, Scaler};
use crate::transform::{DatePart, date_parts, ensure_finite_column, log1p_inplace, numeric};
use crate::{Column, ColumnType, Error, NumericColumn, Result, Table, Transform, Transformer};

/// Version of the saved [`FittedColumnTransformer`] format.
pub const FORMAT_VERSION: u32 = 1;

/// How missing values are filled. The fill value is learned from the
/// training rows at fit time.
///
/// ```
/// use ua_data::pipeline::Impute;
/// let fill = Impute::Constant(0.0);
/// assert_ne!(fill, Impute::Median);
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Impute {
    /// The training mean (numeric columns).
    Mean,
    /// The training median (numeric columns).
    Median,
    /// The most frequent training value; ties go to the smallest number or
    /// the alphabetically first level (numeric and categorical columns).
    MostFrequent,
    /// A fixed number (numeric columns).
    Constant(f64),
    /// A fixed category, e.g. `"unknown"` (categorical columns).
    ConstantLevel(String),
}

/// The steps of a numeric block, applied in order: impute, `ln(1 + x)`, scale.
///
/// ```
/// use ua_data::pipeline::{Impute, NumericSteps};
/// use ua_data::scale::Scaler;
/// let steps = NumericSteps::default();
/// assert_eq!((steps.impute, steps.log1p, steps.scale), (Some(Impute::Median), false, Some(Scaler::standard())));
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NumericSteps {
    /// How missing values are filled; `None`: a missing value is an error.
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
    /// One 0/1 feature per category (see [`crate::encode::OneHotEncoder`]).
    OneHot {
        /// Unseen categories: all zeros or an error.
        handle_unknown: HandleUnknown,
        /// Drop the first category's indicator.
        drop: DropCategory,
        /// Rarer categories share one `column=(infrequent)` feature.
        min_frequency: Option<usize>,
    },
    /// One feature holding the category's index in the sorted training
    /// categories (see [`crate::encode::OrdinalEncoder`]).
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
        }
    }
}

/// The steps of a categorical block (categorical or boolean columns):
/// impute, then encode.
///
/// ```
/// use ua_data::encode::HandleUnknown;
/// use ua_data::pipeline::{CategoricalSteps, Encode, Impute};
/// let steps = CategoricalSteps::default();
/// assert_eq!(steps.impute, Some(Impute::MostFrequent));
/// assert_eq!(steps.encode, Encode::one_hot(HandleUnknown::Ignore));
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CategoricalSteps {
    /// How missing values are filled ([`Impute::MostFrequent`] or
    /// [`Impute::ConstantLevel`]); `None`: missing values are all-zero rows
    /// (one-hot) or an error (ordinal).
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

/// One group of columns and the steps applied to them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
enum Block {
    Numeric {
        columns: Vec<String>,
        steps: NumericSteps,
    },
    Categorical {
        columns: Vec<String>,
        steps: CategoricalSteps,
    },
    Dates {
        columns: Vec<String>,
        steps: DateSteps,
    },
    Passthrough {
        columns: Vec<String>,
    },
}

impl Block {
    fn columns(&self) -> &[String] {
        match self {
            Block::Numeric { columns, .. }
            | Block::Categorical { columns, .. }
            | Block::Dates { columns, .. }
            | Block::Passthrough { columns } => columns,
        }
    }
}

/// A declarative preprocessing spec: blocks of columns, each with its steps.
/// Features come out block by block, in the order the blocks were added,
/// and column by column inside a block.
///
/// ```
/// use ua_data::pipeline::{ColumnTransformer, NumericSteps};
/// use ua_data::{Column, Table};
/// let t = Table::new(vec![
///     ("spend".into(), Column::numeric(vec![0.0, 10.0])),
///     ("vip".into(), Column::boolean(vec![true, false])),
/// ]).unwrap();
/// let spec = ColumnTransformer::new()
///     .numeric(&["spend"], NumericSteps { impute: None, log1p: false, scale: None })
///     .passthrough(&["vip"]);
/// let x = spec.fit(&t).unwrap().transform(&t).unwrap();
/// assert_eq!(x, ua_data::ndarray::array![[0.0, 1.0], [10.0, 0.0]]);
/// ```
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct ColumnTransformer {
    blocks: Vec<Block>,
}

fn names(columns: &[&str]) -> Vec<String> {
    columns.iter().map(|&c| c.to_owned()).collect()
}

impl ColumnTransformer {
    /// An empty spec.
    ///
    /// ```
    /// assert!(ua_data::pipeline::ColumnTransformer::new().columns().is_empty());
    /// ```
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds numeric columns with their steps.
    ///
    /// ```
    /// use ua_data::pipeline::{ColumnTransformer, NumericSteps};
    /// let spec = ColumnTransformer::new().numeric(&["age", "income"], NumericSteps::default());
    /// assert_eq!(spec.columns(), vec!["age", "income"]);
    /// ```
    pub fn numeric(mut self, columns: &[&str], steps: NumericSteps) -> Self {
        self.blocks.push(Block::Numeric {
            columns: names(columns),
            steps,
        });
        self
    }

    /// Adds categorical or boolean columns with their steps.
    ///
    /// ```
    /// use ua_data::pipeline::{CategoricalSteps, ColumnTransformer};
    /// let spec = ColumnTransformer::new().categorical(&["city"], CategoricalSteps::default());
    /// assert_eq!(spec.columns(), vec!["city"]);
    /// ```
    pub fn categorical(mut self, columns: &[&str], steps: CategoricalSteps) -> Self {
        self.blocks.push(Block::Categorical {
            columns: names(columns),
            steps,
        });
        self
    }

    /// Adds date columns, expanded into calendar parts.
    ///
    /// ```
    /// use ua_data::pipeline::{ColumnTransformer, DateSteps};
    /// let spec = ColumnTransformer::new().dates(&["signup"], DateSteps::default());
    /// assert_eq!(spec.columns(), vec!["signup"]);
    /// ```
    pub fn dates(mut self, columns: &[&str], steps: DateSteps) -> Self {
        self.blocks.push(Block::Dates {
            columns: names(columns),
            steps,
        });
        self
    }

    /// Adds columns copied as they are: numbers, booleans as 0/1, dates as
    /// days since 1970-01-01. A missing value in them is an error.
    ///
    /// ```
    /// use ua_data::pipeline::ColumnTransformer;
    /// assert_eq!(ColumnTransformer::new().passthrough(&["is_new"]).columns(), vec!["is_new"]);
    /// ```
    pub fn passthrough(mut self, columns: &[&str]) -> Self {
        self.blocks.push(Block::Passthrough {
            columns: names(columns),
        });
        self
    }

    /// Every input column named by the spec, in block order.
    ///
    /// ```
    /// use ua_data::pipeline::{ColumnTransformer, NumericSteps};
    /// let spec = ColumnTransformer::new().passthrough(&["b"]).numeric(&["a"], NumericSteps::default());
    /// assert_eq!(spec.columns(), vec!["b", "a"]);
    /// ```
    pub fn columns(&self) -> Vec<&str> {
        self.blocks
            .iter()
            .flat_map(|b| b.columns().iter().map(String::as_str))
            .collect()
    }

    /// A spec chosen from the column types of `table`, leaving out `target`
    /// and the columns in `drop`:
    ///
    /// * numeric → median imputation + standard scaling;
    /// * categorical and boolean → most-frequent imputation + one-hot
    ///   encoding, unseen categories ignored (all zeros);
    /// * date → year, month, weekday, day of year, standard-scaled.
    ///
    /// Identifier columns (user ids, order ids) should be listed in `drop`:
    /// one-hot encoding them gives one useless feature per id. Unknown
    /// names in `target` or `drop` are an error.
    ///
    /// ```
    /// use ua_data::pipeline::ColumnTransformer;
    /// use ua_data::{Column, Table};
    /// let t = Table::new(vec![
    ///     ("user".into(), Column::categorical(&["u1", "u2"])),
    ///     ("age".into(), Column::numeric(vec![30.0, 50.0])),
    ///     ("device".into(), Column::categorical(&["ios", "web"])),
    ///     ("churned".into(), Column::boolean(vec![true, false])),
    /// ]).unwrap();
    /// let spec = ColumnTransformer::auto(&t, Some("churned"), &["user"]).unwrap();
    /// let pipe = spec.fit(&t).unwrap();
    /// assert_eq!(pipe.feature_names(), &["age", "device=ios", "device=web"]);
    /// ```
    pub fn auto(table: &Table, target: Option<&str>, drop: &[&str]) -> Result<Self> {
        const OP: &str = "ColumnTransformer::auto";
        for name in target.iter().chain(drop) {
            column(table, name, OP)?;
        }
        let (mut num, mut cat, mut date) = (Vec::new(), Vec::new(), Vec::new());
        for (name, col) in table.columns() {
            if Some(name) == target || drop.contains(&name) {
                continue;
            }
            match col.dtype() {
                ColumnType::Numeric => num.push(name),
                ColumnType::Categorical | ColumnType::Boolean => cat.push(name),
                ColumnType::Date => date.push(name),
            }
        }
        let mut spec = ColumnTransformer::new();
        if !num.is_empty() {
            spec = spec.numeric(&num, NumericSteps::default());
        }
        if !cat.is_empty() {
            spec = spec.categorical(&cat, CategoricalSteps::default());
        }
        if !date.is_empty() {
            spec = spec.dates(&date, DateSteps::default());
        }
        Ok(spec)
    }

    /// Learns every step from the training table.
    ///
    /// Errors (each naming the column): an unknown column, a column of the
    /// wrong type, a column named twice, a numeric column with no value at
    /// all, missing values where the block does not impute, NaN or infinite
    /// values, values ≤ −1 under `log1p`, an imputation strategy that does
    /// not fit the column type; also an empty table or an empty spec.
    ///
    /// ```
    /// use ua_data::pipeline::{ColumnTransformer, NumericSteps};
    /// use ua_data::{Column, Table};
    /// let t = Table::new(vec![("age".into(), Column::numeric_opt(vec![None, None]))]).unwrap();
    /// let err = ColumnTransformer::new().numeric(&["age"], NumericSteps::default()).fit(&t).unwrap_err();
    /// assert!(err.to_string().contains("`age`"), "{err}");
    /// ```
    pub fn fit(&self, table: &Table) -> Result<FittedColumnTransformer> {
        const OP: &str = "ColumnTransformer::fit";
        let all = self.columns();
        if all.is_empty() {
            return Err(Error::InvalidArgument {
                op: OP,
                message: "the spec names no columns".into(),
            });
        }
        for (i, name) in all.iter().enumerate() {
            if all[..i].contains(name) {
                return Err(Error::InvalidArgument {
                    op: OP,
                    message: format!("column `{name}` is named in more than one block"),
                });
            }
        }
        if table.n_rows() == 0 {
            return Err(Error::InvalidArgument {
                op: OP,
                message: "the training table has no rows".into(),
            });
        }
        let blocks = self
            .blocks
            .iter()
            .map(|b| fit_block(b, table))
            .collect::<Result<Vec<_>>>()?;
        let feature_names: Vec<String> =
            blocks.iter().flat_map(FittedBlock::feature_names).collect();
        let mut sorted: Vec<&str> = feature_names.iter().map(String::as_str).collect();
        sorted.sort_unstable();
        if let Some(w) = sorted.windows(2).find(|w| w[0] == w[1]) {
            return Err(Error::InvalidArgument {
                op: OP,
                message: format!(
                    "two features would be named `{}`; rename the column that clashes",
                    w[0]
                ),
            });
        }
        Ok(FittedColumnTransformer {
            format_version: FORMAT_VERSION,
            blocks,
            feature_names,
        })
    }
}

impl Transformer for ColumnTransformer {
    type Fitted = FittedColumnTransformer;

    /// Same as [`ColumnTransformer::fit`].
    fn fit(&self, table: &Table) -> Result<FittedColumnTransformer> {
        ColumnTransformer::fit(self, table)
    }
}

/// A fitted block: what was learned for its columns.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
enum FittedBlock {
    Numeric {
        columns: Vec<String>,
        fill: Vec<Option<f64>>,
        log1p: bool,
        scaler: Option<FittedScaler>,
    },
    Categorical {
        columns: Vec<String>,
        fill: Vec<Option<String>>,
        encoders: Vec<FittedEncoding>,
    },
    Dates {
        columns: Vec<String>,
        parts: Vec<DatePart>,
        scaler: Option<FittedScaler>,
    },
    Passthrough {
        columns: Vec<String>,
    },
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
enum FittedEncoding {
    OneHot(OneHotColumn),
    Ordinal(OrdinalColumn),
}

impl FittedEncoding {
    fn n_features(&self) -> usize {
        match self {
            FittedEncoding::OneHot(c) => c.n_features(),
            FittedEncoding::Ordinal(_) => 1,
        }
    }
}

impl FittedBlock {
    fn feature_names(&self) -> Vec<String> {
        match self {
            FittedBlock::Numeric { columns, .. } | FittedBlock::Passthrough { columns } => {
                columns.clone()
            }
            FittedBlock::Categorical { encoders, .. } => encoders
                .iter()
                .flat_map(|e| match e {
                    FittedEncoding::OneHot(c) => c.feature_names(),
                    FittedEncoding::Ordinal(c) => vec![c.column().to_owned()],
                })
                .collect(),
            FittedBlock::Dates { columns, parts, .. } => columns
                .iter()
                .flat_map(|c| parts.iter().map(move |p| format!("{c}.{}", p.name())))
                .collect(),
        }
    }

    fn n_features(&self) -> usize {
        match self {
            FittedBlock::Numeric { columns, .. } | FittedBlock::Passthrough { columns } => {
                columns.len()
            }
            FittedBlock::Categorical { encoders, .. } => {
                encoders.iter().map(FittedEncoding::n_features).sum()
            }
            FittedBlock::Dates { columns, parts, .. } => columns.len() * parts.len(),
        }
    }
}

/// The fill value of a numeric column (`None` without imputation).
fn numeric_fill(
    op: &'static str,
    name: &str,
    c: &NumericColumn,
    impute: Option<&Impute>,
) -> Result<Option<f64>> {
    let Some(impute) = impute else {
        return Ok(None);
    };
    let strategy = match impute {
        Impute::Constant(x) => return Ok(Some(*x)),
        Impute::Mean => Strategy::Mean,
        Impute::Median => Strategy::Median,
        Impute::MostFrequent => Strategy::MostFrequent,
        Impute::ConstantLevel(level) => {
            return Err(Error::InvalidArgument {
                op,
                message: format!(
                    "column `{name}` is numeric: impute it with Mean, Median, MostFrequent or \
                     Constant(number), not ConstantLevel({level:?})"
                ),
            });
        }
    };
    numeric_fill_value(op, name, c, &strategy).map(Some)
}

/// The first missing row of a mask, as an error when there is one.
fn no_missing(op: &'static str, name: &str, missing: &[bool]) -> Result<()> {
    match missing.iter().position(|&m| m) {
        None => Ok(()),
        Some(first_row) => Err(Error::MissingValues {
            op,
            column: name.to_owned(),
            count: missing.iter().filter(|&&m| m).count(),
            first_row,
        }),
    }
}

/// Fills column `j` of `out` from a numeric column: missing values get
/// `fill` (counted) or are an error; NaN/∞ values are an error.
fn fill_numeric(
    op: &'static str,
    name: &str,
    c: &NumericColumn,
    fill: Option<f64>,
    mut out: ndarray::ArrayViewMut1<'_, f64>,
) -> Result<usize> {
    ensure_finite_column(op, name, c.values(), c.missing_mask())?;
    if fill.is_none() {
        no_missing(op, name, c.missing_mask())?;
    }
    let f = fill.unwrap_or(f64::NAN);
    let mut imputed = 0;
    for ((o, &v), &m) in out.iter_mut().zip(c.values()).zip(c.missing_mask()) {
        *o = if m {
            imputed += 1;
            f
        } else {
            v
        };
    }
    Ok(imputed)
}

/// Applies log1p to every column of `m`, naming columns in errors.
fn log1p_matrix(op: &'static str, columns: &[String], m: &mut Array2<f64>) -> Result<()> {
    let no_missing = vec![false; m.nrows()];
    for (j, name) in columns.iter().enumerate() {
        let mut col = m.column(j).to_vec();
        log1p_inplace(op, name, &mut col, &no_missing)?;
        m.column_mut(j).assign(&ndarray::Array1::from(col));
    }
    Ok(())
}

fn date_matrix(
    op: &'static str,
    table: &Table,
    columns: &[String],
    parts: &[DatePart],
) -> Result<Array2<f64>> {
    let n = table.n_rows();
    let mut m = Array2::<f64>::zeros((n, columns.len() * parts.len()));
    let mut j = 0;
    for name in columns {
        for (values, missing) in date_parts(table, name, parts, op)? {
            no_missing(op, name, &missing)?;
            m.column_mut(j)
                .assign(&ndarray::ArrayView1::from(&values[..]));
            j += 1;
        }
    }
    Ok(m)
}

fn categorical_fill(
    op: &'static str,
    name: &str,
    c: &Coded<'_>,
    impute: Option<&Impute>,
) -> Result<Option<String>> {
    match impute {
        None => Ok(None),
        Some(Impute::ConstantLevel(l)) => Ok(Some(l.clone())),
        Some(Impute::MostFrequent) => match most_frequent(c) {
            Some(l) => Ok(Some(l)),
            None => Err(Error::InvalidArgument {
                op,
                message: format!(
                    "column `{name}` has no non-missing value in the {} training rows; drop it",
                    c.codes.len()
                ),
            }),
        },
        Some(other) => Err(Error::InvalidArgument {
            op,
            message: format!(
                "column `{name}` is categorical: impute it with MostFrequent or ConstantLevel, \
                 not {other:?}"
            ),
        }),
    }
}

fn fit_block(block: &Block, table: &Table) -> Result<FittedBlock> {
    const OP: &str = "ColumnTransformer::fit";
    let n = table.n_rows();
    Ok(match block {
        Block::Numeric { columns, steps } => {
            let mut m = Array2::<f64>::zeros((n, columns.len()));
            let mut fill = Vec::with_capacity(columns.len());
            for (j, name) in columns.iter().enumerate() {
                let c = numeric(table, name, OP)?;
                if c.missing_count() == n {
                    return Err(Error::InvalidArgument {
                        op: OP,
                        message: format!(
                            "numeric column `{name}` has no non-missing value in the {n} training \
                             rows; drop it"
                        ),
                    });
                }
                let f = numeric_fill(OP, name, c, steps.impute.as_ref())?;
                fill_numeric(OP, name, c, f, m.column_mut(j))?;
                fill.push(f);
            }
            if steps.log1p {
                log1p_matrix(OP, columns, &mut m)?;
            }
            let scaler = steps.scale.map(|s| s.fit(m.view())).transpose()?;
            FittedBlock::Numeric {
                columns: columns.clone(),
                fill,
                log1p: steps.log1p,
                scaler,
            }
        }
        Block::Categorical { columns, steps } => {
            let mut fill = Vec::with_capacity(columns.len());
            let mut encoders = Vec::with_capacity(columns.len());
            for name in columns {
                let c = coded(table, name, OP)?;
                let f = categorical_fill(OP, name, &c, steps.impute.as_ref())?;
                encoders.push(match steps.encode {
                    Encode::OneHot {
                        handle_unknown,
                        drop,
                        min_frequency,
                    } => FittedEncoding::OneHot(OneHotColumn::fit(
                        name,
                        &c,
                        f.as_deref(),
                        handle_unknown,
                        drop,
                        min_frequency,
                    )?),
                    Encode::Ordinal { unknown_value } => {
                        if f.is_none() {
                            no_missing(OP, name, &missing_codes(&c))?;
                        }
                        FittedEncoding::Ordinal(OrdinalColumn::fit(
                            name,
                            &c,
                            f.as_deref(),
                            unknown_value,
                        )?)
                    }
                });
                fill.push(f);
            }
            FittedBlock::Categorical {
                columns: columns.clone(),
                fill,
                encoders,
            }
        }
        Block::Dates { columns, steps } => {
            if steps.parts.is_empty() {
                return Err(Error::InvalidArgument {
                    op: OP,
                    message: "a date block needs at least one date part".into(),
                });
            }
            let m = date_matrix(OP, table, columns, &steps.parts)?;
            let scaler = steps.scale.map(|s| s.fit(m.view())).transpose()?;
            FittedBlock::Dates {
                columns: columns.clone(),
                parts: steps.parts.clone(),
                scaler,
            }
        }
        Block::Passthrough { columns } => {
            let mut scratch = Array2::<f32>::zeros((n, columns.len()));
            write_passthrough(OP, table, columns, scratch.view_mut())?;
            FittedBlock::Passthrough {
                columns: columns.clone(),
            }
        }
    })
}

fn missing_codes(c: &Coded<'_>) -> Vec<bool> {
    c.codes
        .iter()
        .map(|&k| k == crate::CategoricalColumn::MISSING)
        .collect()
}

fn write_passthrough(
    op: &'static str,
    table: &Table,
    columns: &[String],
    mut out: ArrayViewMut2<'_, f32>,
) -> Result<()> {
    for (j, name) in columns.iter().enumerate() {
        let mut dst = out.column_mut(j);
        match column(table, name, op)? {
            Column::Numeric(c) => {
                ensure_finite_column(op, name, c.values(), c.missing_mask())?;
                no_missing(op, name, c.missing_mask())?;
                dst.iter_mut()
                    .zip(c.values())
                    .for_each(|(o, &v)| *o = v as f32);
            }
            Column::Boolean(c) => {
                no_missing(
                    op,
                    name,
                    &c.values().iter().map(Option::is_none).collect::<Vec<_>>(),
                )?;
                dst.iter_mut()
                    .zip(c.values())
                    .for_each(|(o, v)| *o = f32::from(u8::from(v.unwrap_or(false))));
            }
            Column::Date(c) => {
                no_missing(op, name, c.missing_mask())?;
                dst.iter_mut()
                    .zip(c.days())
                    .for_each(|(o, &d)| *o = d as f32);
            }
            Column::Categorical(_) => {
                return Err(Error::TypeMismatch {
                    op,
                    column: name.clone(),
                    expected: "numeric, boolean or date (encode categorical columns)".into(),
                    found: "categorical".into(),
                });
            }
        }
    }
    Ok(())
}

/// What the transform did to one input column.
///
/// ```
/// use ua_data::pipeline::ColumnReport;
/// let r = ColumnReport { column: "age".into(), imputed: 2, unknown_categories: 0, missing_as_zeros: 0 };
/// assert_eq!(r.imputed, 2);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ColumnReport {
    /// The input column.
    pub column: String,
    /// Missing values replaced by the training fill value.
    pub imputed: usize,
    /// Categories unseen at fit time, encoded as all zeros (or the ordinal
    /// `unknown_value`).
    pub unknown_categories: usize,
    /// Missing categories left as all-zero indicators (one-hot without imputation).
    pub missing_as_zeros: usize,
}

/// What [`FittedColumnTransformer::transform_with_report`] did, per input
/// column in spec order.
///
/// ```
/// use ua_data::pipeline::{ColumnTransformer, NumericSteps};
/// use ua_data::{Column, Table};
/// let train = Table::new(vec![("x".into(), Column::numeric(vec![1.0, 3.0]))]).unwrap();
/// let pipe = ColumnTransformer::new().numeric(&["x"], NumericSteps::default()).fit(&train).unwrap();
/// let test = Table::new(vec![("x".into(), Column::numeric_opt(vec![None, Some(2.0)]))]).unwrap();
/// let (_, report) = pipe.transform_with_report(&test).unwrap();
/// assert_eq!(report.column("x").unwrap().imputed, 1);
/// assert_eq!(report.total_imputed(), 1);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TransformReport {
    /// Rows transformed.
    pub n_rows: usize,
    /// One entry per input column.
    pub columns: Vec<ColumnReport>,
}

impl TransformReport {
    /// The entry of input column `name`.
    ///
    /// ```
    /// let r = ua_data::pipeline::TransformReport { n_rows: 0, columns: vec![] };
    /// assert!(r.column("x").is_none());
    /// ```
    pub fn column(&self, name: &str) -> Option<&ColumnReport> {
        self.columns.iter().find(|c| c.column == name)
    }

    /// Imputed values over all columns.
    ///
    /// ```
    /// let r = ua_data::pipeline::TransformReport { n_rows: 0, columns: vec![] };
    /// assert_eq!(r.total_imputed(), 0);
    /// ```
    pub fn total_imputed(&self) -> usize {
        self.columns.iter().map(|c| c.imputed).sum()
    }

    /// Whether no value was imputed, unknown or zeroed.
    ///
    /// ```
    /// let r = ua_data::pipeline::TransformReport { n_rows: 3, columns: vec![] };
    /// assert!(r.is_clean());
    /// ```
    pub fn is_clean(&self) -> bool {
        self.columns
            .iter()
            .all(|c| c.imputed == 0 && c.unknown_categories == 0 && c.missing_as_zeros == 0)
    }
}

/// A fitted [`ColumnTransformer`]: everything learned from the training
/// table, ready to turn any table with the same columns into features.
/// Serialise it with serde (it carries a `format_version`) and ship it with
/// the model.
///
/// ```
/// use ua_data::pipeline::{ColumnTransformer, FittedColumnTransformer};
/// use ua_data::{Column, Table};
/// let t = Table::new(vec![
///     ("age".into(), Column::numeric(vec![20.0, 40.0])),
///     ("city".into(), Column::categorical(&["Paris", "Lyon"])),
/// ]).unwrap();
/// let pipe = ColumnTransformer::auto(&t, None, &[]).unwrap().fit(&t).unwrap();
/// let json = serde_json::to_string(&pipe).unwrap();
/// let loaded: FittedColumnTransformer = serde_json::from_str(&json).unwrap();
/// assert_eq!(loaded.transform(&t).unwrap(), pipe.transform(&t).unwrap());
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FittedColumnTransformer {
    format_version: u32,
    blocks: Vec<FittedBlock>,
    feature_names: Vec<String>,
}

impl FittedColumnTransformer {
    /// Output feature names, one per matrix column: numeric and passthrough
    /// columns keep their name, one-hot features are `column=category`,
    /// date parts `column.part`.
    ///
    /// ```
    /// use ua_data::pipeline::ColumnTransformer;
    /// use ua_data::{Column, Table};
    /// let t = Table::new(vec![("d".into(), Column::date(vec![0, 40]))]).unwrap();
    /// let pipe = ColumnTransformer::auto(&t, None, &[]).unwrap().fit(&t).unwrap();
    /// assert_eq!(pipe.feature_names(), &["d.year", "d.month", "d.weekday", "d.day_of_year"]);
    /// ```
    pub fn feature_names(&self) -> &[String] {
        &self.feature_names
    }

    /// Number of output features.
    ///
    /// ```
    /// use ua_data::pipeline::ColumnTransformer;
    /// use ua_data::{Column, Table};
    /// let t = Table::new(vec![("b".into(), Column::boolean(vec![true, false]))]).unwrap();
    /// assert_eq!(ColumnTransformer::auto(&t, None, &[]).unwrap().fit(&t).unwrap().n_features(), 2);
    /// ```
    pub fn n_features(&self) -> usize {
        self.feature_names.len()
    }

    /// The input columns the transform reads, in spec order.
    ///
    /// ```
    /// use ua_data::pipeline::ColumnTransformer;
    /// use ua_data::{Column, Table};
    /// let t = Table::new(vec![("x".into(), Column::numeric(vec![1.0, 2.0]))]).unwrap();
    /// let pipe = ColumnTransformer::new().passthrough(&["x"]).fit(&t).unwrap();
    /// assert_eq!(pipe.input_columns(), vec!["x"]);
    /// ```
    pub fn input_columns(&self) -> Vec<&str> {
        self.blocks
            .iter()
            .flat_map(|b| match b {
                FittedBlock::Numeric { columns, .. }
                | FittedBlock::Categorical { columns, .. }
                | FittedBlock::Dates { columns, .. }
                | FittedBlock::Passthrough { columns } => columns.iter().map(String::as_str),
            })
            .collect()
    }

    /// The feature matrix of `table` (rows × [`n_features`](Self::n_features)).
    ///
    /// ```
    /// use ua_data::pipeline::ColumnTransformer;
    /// use ua_data::{Column, Table};
    /// let train = Table::new(vec![("x".into(), Column::numeric(vec![1.0, 3.0]))]).unwrap();
    /// let pipe = ColumnTransformer::auto(&train, None, &[]).unwrap().fit(&train).unwrap();
    /// let other = Table::new(vec![("y".into(), Column::numeric(vec![1.0]))]).unwrap();
    /// let err = pipe.transform(&other).unwrap_err().to_string();
    /// assert!(err.contains("unknown column `x`"), "{err}");
    /// ```
    pub fn transform(&self, table: &Table) -> Result<Array2<f32>> {
        self.transform_with_report(table).map(|(x, _)| x)
    }

    /// The feature matrix of `table` and a per-column account of imputed,
    /// unknown and zero-encoded values.
    ///
    /// ```
    /// use ua_data::pipeline::ColumnTransformer;
    /// use ua_data::{Column, Table};
    /// let train = Table::new(vec![("c".into(), Column::categorical(&["a", "b", "a"]))]).unwrap();
    /// let pipe = ColumnTransformer::auto(&train, None, &[]).unwrap().fit(&train).unwrap();
    /// let test = Table::new(vec![("c".into(), Column::categorical_opt(&[Some("z"), None]))]).unwrap();
    /// let (x, report) = pipe.transform_with_report(&test).unwrap();
    /// assert_eq!(x, ua_data::ndarray::array![[0.0, 0.0], [1.0, 0.0]]); // z unknown; missing → "a"
    /// let c = report.column("c").unwrap();
    /// assert_eq!((c.unknown_categories, c.imputed), (1, 1));
    /// ```
    pub fn transform_with_report(&self, table: &Table) -> Result<(Array2<f32>, TransformReport)> {
        const OP: &str = "ColumnTransformer::transform";
        if self.format_version != FORMAT_VERSION {
            return Err(Error::InvalidArgument {
                op: OP,
                message: format!(
                    "saved pipeline has format_version {}, this library reads {FORMAT_VERSION}",
                    self.format_version
                ),
            });
        }
        let n = table.n_rows();
        let mut out = Array2::<f32>::zeros((n, self.n_features()));
        let mut report = TransformReport {
            n_rows: n,
            columns: Vec::new(),
        };
        let mut off = 0;
        for block in &self.blocks {
            let w = block.n_features();
            if off + w > out.ncols() {
                return Err(Error::InvalidArgument {
                    op: OP,
                    message: "corrupt pipeline: blocks have more features than feature names"
                        .into(),
                });
            }
            let dst = out.slice_mut(s![.., off..off + w]);
            transform_block(OP, block, table, dst, &mut report)?;
            off += w;
        }
        if off != out.ncols() {
            return Err(Error::InvalidArgument {
                op: OP,
                message: format!(
                    "corrupt pipeline: blocks give {off} features, {} names",
                    out.ncols()
                ),
            });
        }
        Ok((out, report))
    }
}

fn report_entry(column: &str) -> ColumnReport {
    ColumnReport {
        column: column.to_owned(),
        imputed: 0,
        unknown_categories: 0,
        missing_as_zeros: 0,
    }
}

fn write_scaled(
    m: &mut Array2<f64>,
    scaler: Option<&FittedScaler>,
    mut dst: ArrayViewMut2<'_, f32>,
) -> Result<()> {
    if let Some(s) = scaler {
        s.transform_inplace(m.view_mut())?;
    }
    dst.zip_mut_with(m, |o, &v| *o = v as f32);
    Ok(())
}

fn transform_block(
    op: &'static str,
    block: &FittedBlock,
    table: &Table,
    mut dst: ArrayViewMut2<'_, f32>,
    report: &mut TransformReport,
) -> Result<()> {
    let n = table.n_rows();
    match block {
        FittedBlock::Numeric {
            columns,
            fill,
            log1p,
            scaler,
        } => {
            let mut m = Array2::<f64>::zeros((n, columns.len()));
            for (j, (name, f)) in columns.iter().zip(fill).enumerate() {
                let c = numeric(table, name, op)?;
                let mut entry = report_entry(name);
                entry.imputed = fill_numeric(op, name, c, *f, m.column_mut(j))?;
                report.columns.push(entry);
            }
            if *log1p {
                log1p_matrix(op, columns, &mut m)?;
            }
            write_scaled(&mut m, scaler.as_ref(), dst)
        }
        FittedBlock::Categorical {
            columns,
            fill,
            encoders,
        } => {
            let mut off = 0;
            for ((name, f), enc) in columns.iter().zip(fill).zip(encoders) {
                let c = coded(table, name, op)?;
                let w = enc.n_features();
                let sub = dst.slice_mut(s![.., off..off + w]);
                let counts = match enc {
                    FittedEncoding::OneHot(e) => e.write(op, &c, f.as_deref(), sub)?,
                    FittedEncoding::Ordinal(e) => {
                        let (values, missing, counts) = e.encode(op, &c, f.as_deref())?;
                        no_missing(op, name, &missing)?;
                        let mut sub = sub;
                        sub.column_mut(0)
                            .iter_mut()
                            .zip(&values)
                            .for_each(|(o, &v)| *o = v as f32);
                        counts
                    }
                };
                report.columns.push(ColumnReport {
                    column: name.clone(),
                    imputed: counts.imputed,
                    unknown_categories: counts.unknown,
                    missing_as_zeros: counts.missing,
                });
                off += w;
            }
            Ok(())
        }
        FittedBlock::Dates {
            columns,
            parts,
            scaler,
        } => {
            let mut m = date_matrix(op, table, columns, parts)?;
            report
                .columns
                .extend(columns.iter().map(|c| report_entry(c)));
            write_scaled(&mut m, scaler.as_ref(), dst)
        }
        FittedBlock::Passthrough { columns } => {
            write_passthrough(op, table, columns, dst.view_mut())?;
            report
                .columns
                .extend(columns.iter().map(|c| report_entry(c)));
            Ok(())
        }
    }
}

impl Transform for FittedColumnTransformer {
    /// The feature matrix as a table of numeric columns named by
    /// [`feature_names`](FittedColumnTransformer::feature_names).
    fn transform(&self, table: &Table) -> Result<Table> {
        let x = FittedColumnTransformer::transform(self, table)?;
        Table::new(
            self.feature_names
                .iter()
                .zip(x.columns())
                .map(|(name, c)| {
                    (
                        name.clone(),
                        Column::numeric(c.iter().map(|&v| f64::from(v)).collect()),
                    )
                })
                .collect(),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use approx::assert_abs_diff_eq;

    fn table(cols: Vec<(&str, Column)>) -> Table {
        Table::new(cols.into_iter().map(|(n, c)| (n.to_owned(), c)).collect()).unwrap()
    }

    #[test]
    fn numeric_block_imputes_logs_and_scales_by_hand() {
        // x: [0, e−1, missing, e²−1]; median of non-missing after sort = e−1.
        let e = std::f64::consts::E;
        let t = table(vec![(
            "x",
            Column::numeric_opt(vec![Some(0.0), Some(e - 1.0), None, Some(e * e - 1.0)]),
        )]);
        let pipe = ColumnTransformer::new()
            .numeric(
                &["x"],
                NumericSteps {
                    impute: Some(Impute::Median),
                    log1p: true,
                    scale: Some(Scaler::min_max()),
                },
            )
            .fit(&t)
            .unwrap();
        // After imputation and log1p: [0, 1, 1, 2] → min-max [0, .5, .5, 1].
        let (x, report) = pipe.transform_with_report(&t).unwrap();
        let expect = [0.0f32, 0.5, 0.5, 1.0];
        for (a, b) in x.column(0).iter().zip(expect) {
            assert_abs_diff_eq!(*a, b, epsilon = 1e-6);
        }
        assert_eq!(report.column("x").unwrap().imputed, 1);
    }

    #[test]
    fn impute_strategies() {
        let c =
            NumericColumn::from_options(vec![Some(3.0), Some(1.0), Some(3.0), None, Some(10.0)]);
        let f = |i: Impute| numeric_fill("t", "x", &c, Some(&i)).unwrap().unwrap();
        assert_eq!(f(Impute::Mean), 17.0 / 4.0);
        assert_eq!(f(Impute::Median), 3.0);
        assert_eq!(f(Impute::MostFrequent), 3.0);
        assert_eq!(f(Impute::Constant(-1.0)), -1.0);
        assert!(numeric_fill("t", "x", &c, Some(&Impute::ConstantLevel("a".into()))).is_err());
    }

    #[test]
    fn fit_errors_name_the_column() {
        let t = table(vec![
            ("a", Column::numeric_opt(vec![Some(1.0), None])),
            ("c", Column::categorical(&["x", "y"])),
        ]);
        let no_impute = NumericSteps {
            impute: None,
            ..Default::default()
        };
        let err = ColumnTransformer::new()
            .numeric(&["a"], no_impute)
            .fit(&t)
            .unwrap_err();
        assert!(
            matches!(&err, Error::MissingValues { column, first_row: 1, .. } if column == "a"),
            "{err}"
        );
        let err = ColumnTransformer::new()
            .numeric(&["c"], NumericSteps::default())
            .fit(&t)
            .unwrap_err();
        assert!(
            err.to_string()
                .contains("`c` has type categorical, expected numeric"),
            "{err}"
        );
        let err = ColumnTransformer::new()
            .numeric(&["a"], NumericSteps::default())
            .passthrough(&["a"])
            .fit(&t)
            .unwrap_err();
        assert!(
            err.to_string()
                .contains("`a` is named in more than one block"),
            "{err}"
        );
        let err = ColumnTransformer::new()
            .passthrough(&["c"])
            .fit(&t)
            .unwrap_err();
        assert!(
            err.to_string().contains("`c` has type categorical"),
            "{err}"
        );
        let bad_impute = CategoricalSteps {
            impute: Some(Impute::Median),
            ..Default::default()
        };
        let err = ColumnTransformer::new()
            .categorical(&["c"], bad_impute)
            .fit(&t)
            .unwrap_err();
        assert!(err.to_string().contains("`c` is categorical"), "{err}");
    }

    #[test]
    fn ordinal_and_dates_and_passthrough_blocks() {
        let t = table(vec![
            (
                "size",
                Column::categorical_opt(&[Some("m"), Some("s"), None, Some("m")]),
            ),
            ("d", Column::date(vec![0, 1, 2, 3])),
            ("ok", Column::boolean(vec![true, false, true, true])),
        ]);
        let pipe = ColumnTransformer::new()
            .categorical(
                &["size"],
                CategoricalSteps {
                    impute: Some(Impute::MostFrequent),
                    encode: Encode::Ordinal {
                        unknown_value: Some(-1.0),
                    },
                },
            )
            .dates(
                &["d"],
                DateSteps {
                    parts: vec![DatePart::Weekday],
                    scale: None,
                },
            )
            .passthrough(&["ok"])
            .fit(&t)
            .unwrap();
        assert_eq!(pipe.feature_names(), &["size", "d.weekday", "ok"]);
        let x = pipe.transform(&t).unwrap();
        // m = 0, s = 1, missing → most frequent "m" = 0; 1970-01-01 is a Thursday (3).
        assert_eq!(x.column(0).to_vec(), vec![0.0, 1.0, 0.0, 0.0]);
        assert_eq!(x.column(1).to_vec(), vec![3.0, 4.0, 5.0, 6.0]);
        assert_eq!(x.column(2).to_vec(), vec![1.0, 0.0, 1.0, 1.0]);
        let test = table(vec![
            ("size", Column::categorical(&["xl"])),
            ("d", Column::date_opt(vec![Some(4)])),
            ("ok", Column::boolean_opt(vec![None])),
        ]);
        let err = pipe.transform(&test).unwrap_err();
        assert!(
            matches!(&err, Error::MissingValues { column, .. } if column == "ok"),
            "{err}"
        );
    }

    #[test]
    fn transform_as_table_uses_feature_names() {
        let t = table(vec![("c", Column::categorical(&["a", "b"]))]);
        let pipe = ColumnTransformer::auto(&t, None, &[])
            .unwrap()
            .fit(&t)
            .unwrap();
        let out = Transform::transform(&pipe, &t).unwrap();
        assert_eq!(out.column_names(), vec!["c=a", "c=b"]);
        assert_eq!(out.numeric("c=b").unwrap().values(), &[0.0, 1.0]);
    }
}
