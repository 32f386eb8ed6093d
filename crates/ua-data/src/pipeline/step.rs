//! The open step mechanism: [`FittedStep`] (a fitted step that a pipeline
//! can hold, apply, report on and save), the type erasure of unfitted
//! steps, [`Chain`] (steps applied one after the other) and [`Passthrough`].

use std::fmt;
use std::sync::Arc;

use serde::{Deserialize, Serialize};
use ua_tensor::persist::Persist;

use super::report::TransformReport;
use crate::encode::OneHotColumn;
use crate::transform::distinct_names;
use crate::{Error, Result, Table, Transform, Transformer};

/// A fitted step that a [`ColumnTransformer`](super::ColumnTransformer) can
/// hold: it transforms tables, is `Send + Sync` (a fitted pipeline is shared
/// across threads), prints with `Debug`, and saves and loads by name
/// through [`typetag`] — so a pipeline with steps written outside this crate
/// still saves and loads as one file.
///
/// Every fitted type of `ua-data` implements it. To make your own step
/// usable in a pipeline, implement [`Transformer`] and [`Transform`], derive
/// serde's traits on the fitted type, and register it under a unique name:
///
/// ```
/// use serde::{Deserialize, Serialize};
/// use ua_data::pipeline::{ColumnTransformer, FittedColumnTransformer, FittedStep};
/// use ua_data::typetag; // the attribute below expands to `typetag::...` paths
/// use ua_data::{Column, Result, Table, Transform, Transformer};
/// use ua_tensor::persist::Persist;
///
/// /// Caps every numeric column at its training maximum.
/// struct CapAtMax;
/// #[derive(Debug, Serialize, Deserialize)]
/// struct FittedCap { max: Vec<(String, f64)> }
///
/// impl Transformer for CapAtMax {
///     type Fitted = FittedCap;
///     fn fit(&self, t: &Table) -> Result<FittedCap> {
///         let mut max = Vec::new();
///         for (name, _) in t.columns() {
///             let m = t.numeric(name)?.non_missing().fold(f64::MIN, f64::max);
///             max.push((name.to_owned(), m));
///         }
///         Ok(FittedCap { max })
///     }
/// }
/// impl Transform for FittedCap {
///     fn transform(&self, t: &Table) -> Result<Table> {
///         let mut out = t.clone();
///         for (name, m) in &self.max {
///             let capped = t.numeric(name)?.values().iter().map(|v| v.min(*m)).collect();
///             out.replace_column(name, Column::numeric(capped))?;
///         }
///         Ok(out)
///     }
/// }
/// #[typetag::serde(name = "my-app/cap-at-max")]
/// impl FittedStep for FittedCap {}
///
/// let train = Table::new(vec![("spend".into(), Column::numeric(vec![1.0, 5.0]))]).unwrap();
/// let pipe = ColumnTransformer::new().step(&["spend"], CapAtMax).fit(&train).unwrap();
/// let loaded = FittedColumnTransformer::from_json(&pipe.to_json().unwrap()).unwrap();
/// let new = Table::new(vec![("spend".into(), Column::numeric(vec![9.0]))]).unwrap();
/// assert_eq!(loaded.transform_matrix(&new).unwrap()[[0, 0]], 5.0);
/// ```
#[typetag::serde]
pub trait FittedStep: Transform + fmt::Debug + Send + Sync {
    /// Checks the invariants of a step read from a file (lengths agree,
    /// statistics finite, levels sorted...); the message says which one is
    /// broken. Called when a fitted pipeline is loaded. The default accepts
    /// everything.
    fn check_invariants(&self) -> std::result::Result<(), String> {
        Ok(())
    }

    /// [`Transform::transform`], also adding to `report` what the step did
    /// to each input column (values imputed, unknown categories, missing
    /// values encoded as zeros). The default only transforms.
    fn transform_reporting(&self, table: &Table, report: &mut TransformReport) -> Result<Table> {
        let _ = report;
        self.transform(table)
    }

    /// The fitted one-hot encodings inside this step (for the pipeline's
    /// [`FitReport`](super::FitReport): levels kept, rows grouped as
    /// infrequent). The default has none; [`FittedChain`] gathers its
    /// steps'.
    ///
    /// ```
    /// use ua_data::pipeline::{CategoricalSteps, FittedStep};
    /// use ua_data::{Column, Table, Transformer};
    /// let t = Table::new(vec![("c".into(), Column::categorical(&["a", "b"]))]).unwrap();
    /// let fitted = CategoricalSteps::default().fit(&t).unwrap();
    /// assert_eq!(fitted.one_hot_columns()[0].levels(), &["a", "b"]);
    /// ```
    fn one_hot_columns(&self) -> Vec<&OneHotColumn> {
        Vec::new()
    }
}

/// An unfitted step behind a pointer: fits into a shared [`FittedStep`].
pub(crate) trait ErasedTransformer: Send + Sync {
    fn fit_shared(&self, table: &Table) -> Result<Arc<dyn FittedStep>>;
    fn type_name(&self) -> &'static str;
}

impl<T> ErasedTransformer for T
where
    T: Transformer + Send + Sync,
    T::Fitted: FittedStep + 'static,
{
    fn fit_shared(&self, table: &Table) -> Result<Arc<dyn FittedStep>> {
        Ok(Arc::new(self.fit(table)?))
    }

    fn type_name(&self) -> &'static str {
        std::any::type_name::<T>()
    }
}

/// Steps applied one after the other to the same columns: each is fitted on
/// the output of the steps before it (on the training table), and the
/// fitted chain applies them in the same order.
///
/// ```
/// use ua_data::pipeline::Chain;
/// use ua_data::scale::StandardScaler;
/// use ua_data::transform::Log1p;
/// use ua_data::{Column, Table, Transform, Transformer};
/// let t = Table::new(vec![("spend".into(), Column::numeric(vec![0.0, 1.0, 3.0]))]).unwrap();
/// let log_z = Chain::new(Log1p::all()).then(StandardScaler::default()).fit(&t).unwrap();
/// let z = log_z.transform(&t).unwrap();
/// assert!(z.numeric("spend").unwrap().values().iter().sum::<f64>().abs() < 1e-12);
/// ```
#[derive(Clone)]
pub struct Chain {
    steps: Vec<Arc<dyn ErasedTransformer>>,
}

impl fmt::Debug for Chain {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list()
            .entries(self.steps.iter().map(|s| s.type_name()))
            .finish()
    }
}

impl Chain {
    /// A chain that starts with `first`.
    ///
    /// ```
    /// let c = ua_data::pipeline::Chain::new(ua_data::transform::Log1p::all());
    /// assert_eq!(c.len(), 1);
    /// ```
    pub fn new<T>(first: T) -> Self
    where
        T: Transformer + Send + Sync + 'static,
        T::Fitted: FittedStep + 'static,
    {
        Chain {
            steps: vec![Arc::new(first)],
        }
    }

    /// Appends `next`, applied to the output of the steps before it.
    ///
    /// ```
    /// use ua_data::pipeline::Chain;
    /// let c = Chain::new(ua_data::transform::Log1p::all()).then(ua_data::scale::Scaler::robust());
    /// assert_eq!(c.len(), 2);
    /// ```
    pub fn then<T>(mut self, next: T) -> Self
    where
        T: Transformer + Send + Sync + 'static,
        T::Fitted: FittedStep + 'static,
    {
        self.steps.push(Arc::new(next));
        self
    }

    /// Number of steps.
    ///
    /// ```
    /// assert!(!ua_data::pipeline::Chain::new(ua_data::pipeline::Passthrough).is_empty());
    /// ```
    pub fn len(&self) -> usize {
        self.steps.len()
    }

    /// Whether the chain has no step (never true: a chain starts with one).
    ///
    /// ```
    /// assert!(!ua_data::pipeline::Chain::new(ua_data::pipeline::Passthrough).is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.steps.is_empty()
    }

    /// A chain of already erased steps (the pipeline blocks build theirs so).
    pub(crate) fn from_erased(steps: Vec<Arc<dyn ErasedTransformer>>) -> Self {
        Chain { steps }
    }
}

impl Transformer for Chain {
    type Fitted = FittedChain;

    /// Fits each step on the training table as transformed by the fitted
    /// steps before it.
    fn fit(&self, table: &Table) -> Result<FittedChain> {
        let mut steps = Vec::with_capacity(self.steps.len());
        let mut current: Option<Table> = None;
        for (i, step) in self.steps.iter().enumerate() {
            let input = current.as_ref().unwrap_or(table);
            let fitted = step.fit_shared(input)?;
            if i + 1 < self.steps.len() {
                current = Some(fitted.transform(input)?);
            }
            steps.push(fitted);
        }
        Ok(FittedChain { steps })
    }
}

/// A fitted [`Chain`]: its fitted steps, applied in order.
///
/// ```
/// use ua_data::pipeline::{Chain, FittedChain};
/// use ua_data::transform::Log1p;
/// use ua_data::{Column, Table, Transformer};
/// use ua_tensor::persist::Persist;
/// let t = Table::new(vec![("x".into(), Column::numeric(vec![0.0, 1.0]))]).unwrap();
/// let c = Chain::new(Log1p::all()).then(ua_data::scale::Scaler::min_max()).fit(&t).unwrap();
/// assert_eq!(c.steps().len(), 2);
/// let back = FittedChain::from_json(&c.to_json().unwrap()).unwrap();
/// assert_eq!(back.to_json().unwrap(), c.to_json().unwrap());
/// ```
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct FittedChain {
    steps: Vec<Arc<dyn FittedStep>>,
}

impl FittedChain {
    /// The fitted steps, in order.
    ///
    /// ```
    /// use ua_data::pipeline::Chain;
    /// use ua_data::{Column, Table, Transformer};
    /// let t = Table::new(vec![("x".into(), Column::numeric(vec![1.0]))]).unwrap();
    /// let c = Chain::new(ua_data::transform::Log1p::all()).fit(&t).unwrap();
    /// assert!(format!("{:?}", c.steps()[0]).contains("FittedLog1p"));
    /// ```
    pub fn steps(&self) -> &[Arc<dyn FittedStep>] {
        &self.steps
    }
}

impl Transform for FittedChain {
    /// Applies the steps in order.
    fn transform(&self, table: &Table) -> Result<Table> {
        self.transform_reporting(table, &mut TransformReport::default())
    }
}

impl Persist for FittedChain {
    const KIND: &'static str = "ua-data/chain";

    /// At least one step, and every step's own invariants.
    fn validate(&self) -> std::result::Result<(), String> {
        if self.steps.is_empty() {
            return Err("a chain needs at least one step".into());
        }
        for (i, s) in self.steps.iter().enumerate() {
            s.check_invariants()
                .map_err(|e| format!("step {} of the chain: {e}", i + 1))?;
        }
        Ok(())
    }
}

#[typetag::serde(name = "ua-data/chain")]
impl FittedStep for FittedChain {
    fn check_invariants(&self) -> std::result::Result<(), String> {
        Persist::validate(self)
    }

    fn transform_reporting(&self, table: &Table, report: &mut TransformReport) -> Result<Table> {
        let mut current: Option<Table> = None;
        for step in &self.steps {
            let input = current.as_ref().unwrap_or(table);
            let mut out = step.transform_reporting(input, report)?;
            // Keep the rows' file lines for the errors of the next steps.
            if out.source_lines().is_none() && out.n_rows() == table.n_rows() {
                out.set_source_lines(table.source_lines().map(<[u64]>::to_vec))?;
            }
            current = Some(out);
        }
        current.ok_or_else(|| Error::InvalidArgument {
            op: "FittedChain::transform",
            message: "the chain has no step".into(),
        })
    }

    fn one_hot_columns(&self) -> Vec<&OneHotColumn> {
        self.steps
            .iter()
            .flat_map(|s| s.one_hot_columns())
            .collect()
    }
}

/// Columns copied into the features as they are: numbers, booleans as 0/1,
/// dates as days since 1970-01-01. A missing value (or a categorical
/// column) is an error when the pipeline builds its matrix.
///
/// ```
/// use ua_data::pipeline::{ColumnTransformer, Passthrough};
/// use ua_data::{Column, Table};
/// let t = Table::new(vec![("vip".into(), Column::boolean(vec![true, false]))]).unwrap();
/// let pipe = ColumnTransformer::new().step(&["vip"], Passthrough).fit(&t).unwrap();
/// assert_eq!(pipe.transform_matrix(&t).unwrap().column(0).to_vec(), vec![1.0, 0.0]);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Passthrough;

/// A fitted [`Passthrough`]: the columns it copies.
///
/// ```
/// use ua_data::pipeline::Passthrough;
/// use ua_data::{Column, Table, Transformer};
/// let t = Table::new(vec![("x".into(), Column::numeric(vec![1.0]))]).unwrap();
/// assert_eq!(Passthrough.fit(&t).unwrap().columns(), &["x"]);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FittedPassthrough {
    columns: Vec<String>,
}

impl FittedPassthrough {
    /// The columns copied, in order.
    ///
    /// ```
    /// use ua_data::pipeline::Passthrough;
    /// use ua_data::{Column, Table, Transformer};
    /// let t = Table::new(vec![("a".into(), Column::date(vec![3]))]).unwrap();
    /// assert_eq!(Passthrough.fit(&t).unwrap().columns().len(), 1);
    /// ```
    pub fn columns(&self) -> &[String] {
        &self.columns
    }
}

impl Transformer for Passthrough {
    type Fitted = FittedPassthrough;

    /// Remembers every column of `table`.
    fn fit(&self, table: &Table) -> Result<FittedPassthrough> {
        Ok(FittedPassthrough {
            columns: table.column_names().into_iter().map(String::from).collect(),
        })
    }
}

impl Transform for FittedPassthrough {
    /// The fitted columns of `table`, unchanged.
    fn transform(&self, table: &Table) -> Result<Table> {
        let names: Vec<&str> = self.columns.iter().map(String::as_str).collect();
        table.select(&names)
    }
}

impl Persist for FittedPassthrough {
    const KIND: &'static str = "ua-data/passthrough";

    /// Column names are distinct.
    fn validate(&self) -> std::result::Result<(), String> {
        distinct_names("column", self.columns.iter().map(String::as_str))
    }
}

#[typetag::serde(name = "ua-data/passthrough")]
impl FittedStep for FittedPassthrough {
    fn check_invariants(&self) -> std::result::Result<(), String> {
        Persist::validate(self)
    }
}

/// A step that learns nothing: a fitted step used as its own recipe.
///
/// A feature computed from the row alone (a ratio, a flag) has nothing to
/// fit, so writing a separate unfitted type and a `Transformer` impl for it
/// is pure ceremony. Write the fitted type only — `Transform`, serde and
/// the one [`FittedStep`] registration line — and wrap it in `Stateless`
/// where a [`Transformer`] is expected: fitting returns a clone of it.
///
/// ```
/// use serde::{Deserialize, Serialize};
/// use ua_data::pipeline::{ColumnTransformer, FittedColumnTransformer, FittedStep, Stateless};
/// use ua_data::typetag; // the attribute below expands to `typetag::...` paths
/// use ua_data::{Column, Result, Table, Transform, Transformer};
/// use ua_tensor::persist::Persist;
///
/// /// Spend per order; 0 without an order.
/// #[derive(Debug, Clone, Serialize, Deserialize)]
/// struct SpendPerOrder;
/// impl Transform for SpendPerOrder {
///     fn transform(&self, t: &Table) -> Result<Table> {
///         let (s, o) = (t.numeric("spend")?.values(), t.numeric("orders")?.values());
///         let ratio = s.iter().zip(o).map(|(s, o)| if *o > 0.0 { s / o } else { 0.0 });
///         t.clone().with_column("per_order", Column::numeric(ratio.collect()))
///     }
/// }
/// #[typetag::serde(name = "my-app/spend-per-order")]
/// impl FittedStep for SpendPerOrder {}
///
/// let t = Table::new(vec![
///     ("spend".into(), Column::numeric(vec![30.0, 0.0])),
///     ("orders".into(), Column::numeric(vec![3.0, 0.0])),
/// ]).unwrap();
/// let pipe = ColumnTransformer::new()
///     .step(&["spend", "orders"], Stateless(SpendPerOrder))
///     .fit(&t)
///     .unwrap();
/// let loaded = FittedColumnTransformer::from_json(&pipe.to_json().unwrap()).unwrap();
/// assert_eq!(loaded.feature_names(), &["spend", "orders", "per_order"]);
/// assert_eq!(loaded.transform_matrix(&t).unwrap().column(2).to_vec(), vec![10.0, 0.0]);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Stateless<T>(pub T);

impl<T: Transform + Clone> Transformer for Stateless<T> {
    type Fitted = T;

    /// Returns a clone of the wrapped step; the table is not read.
    fn fit(&self, _table: &Table) -> Result<T> {
        Ok(self.0.clone())
    }
}
