//! The fit/transform split shared by every preprocessing step.
//!
//! A [`Transformer`] holds hyper-parameters only (which strategy, which
//! columns). [`Transformer::fit`] learns from the *training* table and returns
//! a separate fitted type implementing [`Transform`], which applies exactly
//! what was learned to the validation split, the test split and every new
//! user later. An unfitted step therefore cannot be applied by mistake, and
//! nothing is ever re-fitted on the data it is about to transform.
//!
//! The consumers of the pair are generic: [`Chain`](crate::pipeline::Chain)
//! fits steps one after the other, and
//! [`ColumnTransformer::step`](crate::pipeline::ColumnTransformer::step)
//! applies any step to a selection of columns. To go into a pipeline (and
//! be saved with it), the fitted type also implements
//! [`FittedStep`](crate::pipeline::FittedStep) — one `typetag` line, shown
//! there. A step that learns nothing needs no unfitted type: wrap its fitted
//! type in [`Stateless`](crate::pipeline::Stateless).
//!
//! Implementing the pair for a small step (subtract the training mean of `x`):
//!
//! ```
//! use ua_data::{Column, Result, Table, Transform, Transformer};
//!
//! struct Center;
//! struct FittedCenter { mean: f64 }
//!
//! impl Transformer for Center {
//!     type Fitted = FittedCenter;
//!     fn fit(&self, t: &Table) -> Result<FittedCenter> {
//!         let x = t.numeric("x")?;
//!         let mean = x.values().iter().sum::<f64>() / x.len() as f64;
//!         Ok(FittedCenter { mean })
//!     }
//! }
//! impl Transform for FittedCenter {
//!     fn transform(&self, t: &Table) -> Result<Table> {
//!         let x = t.numeric("x")?;
//!         let centred: Vec<f64> = x.values().iter().map(|v| v - self.mean).collect();
//!         let mut out = t.clone();
//!         out.replace_column("x", Column::numeric(centred))?;
//!         Ok(out)
//!     }
//! }
//!
//! let train = Table::new(vec![("x".into(), Column::numeric(vec![1.0, 2.0, 3.0]))]).unwrap();
//! let fitted = Center.fit(&train).unwrap();
//! let test = Table::new(vec![("x".into(), Column::numeric(vec![4.0]))]).unwrap();
//! assert_eq!(fitted.transform(&test).unwrap().numeric("x").unwrap().get(0), Some(2.0));
//! ```

use crate::{Result, Table};

/// A preprocessing step with hyper-parameters; fitting it on training data gives a fitted step.
pub trait Transformer {
    /// The fitted step that [`fit`](Transformer::fit) returns.
    type Fitted: Transform;
    /// Learns from `table` (the training data) and returns the fitted step.
    fn fit(&self, table: &Table) -> Result<Self::Fitted>;

    /// The column this step reads as a row identifier and returns with its
    /// output instead of transforming it (a user or order id), if any.
    /// Steps that keep no id (the default) return `None`; a pipeline that
    /// wraps the step uses this to keep the id out of the model's features.
    ///
    /// ```
    /// use ua_data::pipeline::ColumnTransformer;
    /// use ua_data::traits::Transformer;
    /// let ct = ColumnTransformer::new().passthrough(&["x"]).id_column("user_id");
    /// assert_eq!(Transformer::id_column(&ct), Some("user_id"));
    /// assert_eq!(Transformer::id_column(&ColumnTransformer::new()), None);
    /// ```
    fn id_column(&self) -> Option<&str> {
        None
    }
}

/// A fitted step: applies what was learned at fit time to any table with the same columns.
pub trait Transform {
    /// Applies the fitted step to `table`, returning a new table.
    fn transform(&self, table: &Table) -> Result<Table>;
}
