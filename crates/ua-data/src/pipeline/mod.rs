//! The [`ColumnTransformer`]: an open preprocessing pipeline of steps, each
//! applied to a selection of columns, fitted as one object that turns a
//! [`Table`](crate::Table) into the `Array2<f32>` a model consumes, plus the
//! name of every feature, the row ids and a report of what was imputed.
//!
//! ```text
//!            ┌ step(&["age", "income"], NumericSteps)   impute → log1p → scale ─┐
//!            ├ step(&["city"], CategoricalSteps)         impute → one-hot       ─┤
//! Table ───► ├ step(&["signup"], DateSteps)              date parts → scale     ─┼─► Array2<f32> + feature names
//!            ├ step(&["spend"], Chain(Log1p, Robust))    any Transformer        ─┤   + row ids + report
//!            ├ step(&["x"], YourStep)                    your own FittedStep    ─┤
//!            └ remainder: Drop | Passthrough                                    ─┘
//! ```
//!
//! A step is any [`Transformer`](crate::Transformer) whose fitted type
//! implements [`FittedStep`] (a [`Transform`](crate::Transform) that is
//! `Send + Sync`, `Debug` and serde-registered through [`typetag`]). Every
//! fitted type of this crate is one — scalers, encoders, the imputer, the
//! clipper, log1p, binning, date parts, [`Chain`] and [`Passthrough`] — and
//! so can a user's own, which then saves and loads inside the pipeline's
//! file like the built-in ones ([`FittedStep`] shows how; a step that
//! learns nothing is written as its fitted type alone and wrapped in
//! [`Stateless`]). The fluent
//! builders [`numeric`](ColumnTransformer::numeric),
//! [`categorical`](ColumnTransformer::categorical),
//! [`dates`](ColumnTransformer::dates) and
//! [`passthrough`](ColumnTransformer::passthrough) add the built-in recipes
//! [`NumericSteps`], [`CategoricalSteps`], [`DateSteps`] and
//! [`Passthrough`] as steps; [`ColumnTransformer::auto`] picks them from the
//! column types.
//!
//! ## Fit on the training split only
//!
//! [`ColumnTransformer::fit`] learns everything from the **training** table
//! — imputation values (medians, most frequent levels), category lists,
//! scaler statistics, the input schema — and returns a
//! [`FittedColumnTransformer`]. That one object then transforms the
//! validation split, the test split and every new user, unchanged. It saves
//! and loads through [`Persist`](ua_tensor::persist::Persist) (kind
//! `ua-data/column-transformer`): keep it next to the model it feeds, since a
//! model must never meet features scaled with statistics other than the ones
//! it was trained with.
//!
//! At transform time, missing columns are an error naming the column, extra
//! columns are ignored, a column whose type was inferred differently is
//! converted back when that is lossless ([`ColumnSchema`]) and otherwise an
//! error saying how to read it, unseen categories follow the encoder's
//! `handle_unknown`, a value that overflows (or leaves the `f32` range of
//! the matrix) is an error naming the column, the file line (or row) and
//! the value, the matrix is checked against the memory budget
//! (`UA_MEMORY_BUDGET`) before it is built, and
//! [`transform_matrix_with_report`](FittedColumnTransformer::transform_matrix_with_report)
//! says how many values were imputed or encoded as zeros in each column.
//!
//! ```
//! use ua_data::pipeline::{CategoricalSteps, ColumnTransformer, FittedColumnTransformer, NumericSteps};
//! use ua_data::{Column, Table};
//! use ua_tensor::persist::Persist;
//!
//! let train = Table::new(vec![
//!     ("user".into(), Column::categorical(&["u1", "u2", "u3"])),
//!     ("age".into(), Column::numeric_opt(vec![Some(20.0), Some(40.0), None])),
//!     ("city".into(), Column::categorical(&["Paris", "Lyon", "Paris"])),
//! ]).unwrap();
//! let pipe = ColumnTransformer::new()
//!     .numeric(&["age"], NumericSteps::default()) // median impute + standard scale
//!     .categorical(&["city"], CategoricalSteps::default()) // most-frequent impute + one-hot
//!     .id_column("user")
//!     .fit(&train)
//!     .unwrap();
//! assert_eq!(pipe.feature_names(), &["age", "city=Lyon", "city=Paris"]);
//!
//! let pipe = FittedColumnTransformer::from_json(&pipe.to_json().unwrap()).unwrap();
//! let new_user = Table::new(vec![
//!     ("user".into(), Column::categorical(&["u9"])),
//!     ("age".into(), Column::numeric(vec![30.0])),
//!     ("city".into(), Column::categorical(&["Rome"])), // unseen: all zeros
//! ]).unwrap();
//! let out = pipe.transform_features(&new_user).unwrap();
//! assert_eq!(out.x.row(0).to_vec(), vec![0.0, 0.0, 0.0]); // 30 is the training mean after imputing 30
//! assert_eq!(out.report.column("city").unwrap().unknown_categories, 1);
//! ```

mod blocks;
mod fitted;
mod report;
mod schema;
mod spec;
mod step;
#[cfg(test)]
mod tests;

pub use crate::clean::Impute;
pub use blocks::{
    AUTO_MAX_CATEGORIES, AUTO_MIN_FREQUENCY, CategoricalSteps, DateSteps, Encode, NumericSteps,
};
pub use fitted::FittedColumnTransformer;
pub use report::{
    ColumnReport, EncodingSummary, ExcludedColumn, FeatureMatrix, FitReport, TransformReport,
};
pub use schema::{ColumnSchema, number_as_level};
pub use spec::{ColumnTransformer, Remainder};
pub use step::{Chain, FittedChain, FittedPassthrough, FittedStep, Passthrough, Stateless};
