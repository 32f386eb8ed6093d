//! # ua-data — preprocessing for user-analytics
//!
//! Everything between a raw file and a model's input matrix: a typed table,
//! CSV reading with type inference, summaries, cleaning, joins, group-by,
//! fitted transforms, splits, feature extraction and a synthetic shop to try
//! it all on.
//!
//! ## Design
//!
//! * **A columnar table with explicit missing values.** A [`Table`] is an
//!   ordered list of named [`Column`]s of equal length. Each column is one
//!   contiguous vector of one of four types ([`ColumnType`]): numeric
//!   (`f64`), categorical (dictionary-encoded `u32` codes into a list of
//!   levels), boolean and date (`i32` days since 1970-01-01, see [`date`]).
//!   Missing is a mask (or a reserved code), never a magic number: a NaN that
//!   is not marked missing is a value, and `"NA"` in a CSV becomes a missing
//!   value, not a string. Joins, group-by and one-hot encoding work on codes
//!   and contiguous slices, so they run at memory speed.
//! * **Fit on training data, transform everywhere.** Every step that learns
//!   something (an imputer's fill values, a clipper's quantiles, a scaler's
//!   means, an encoder's levels) implements [`Transformer`]: `fit` takes the
//!   training table and returns a *separate* fitted type implementing
//!   [`Transform`], which is applied unchanged to the validation split, the
//!   test split and every new user. An unfitted step cannot be applied, and
//!   nothing is re-fitted on the data it transforms.
//! * **An open pipeline.** A [`pipeline::ColumnTransformer`] applies steps to
//!   column selections and assembles their outputs into the feature matrix.
//!   A step is *any* [`Transformer`] whose fitted type is a
//!   [`pipeline::FittedStep`] — every scaler, encoder, imputer and transform
//!   of this crate, chains of them, and steps you write yourself. The fitted
//!   pipeline keeps the input schema (and converts a column read with another
//!   type back when that is lossless), an optional row-id column, and saves
//!   and loads as one file, user steps included.
//! * **One saved-model format.** Every fitted object implements
//!   [`Persist`](ua_tensor::persist::Persist): the workspace's envelope with
//!   kind and format version, and a `validate` that checks the invariants of
//!   what was read (lengths agree, scales finite and positive, levels sorted
//!   and distinct) before it is used.
//! * **Nothing is dropped or changed silently.** Operations that remove rows
//!   or fill values return a report of how many and why
//!   ([`clean::DropReport`], [`clean::ImputeReport`], [`clean::ClipReport`],
//!   [`pipeline::TransformReport`]); a left join gives explicit missing
//!   values for unmatched rows; group-by keeps rows with missing keys as
//!   their own group.
//! * **Errors, not panics.** Bad input returns [`Error`] naming the file, the
//!   1-based line, the column and the offending value, the parameter and its
//!   allowed range, or the available column names when a name is unknown.
//!   A table read from CSV remembers each row's file line through filters,
//!   sorts, splits and joins, so a bad value found later is reported at
//!   `line 102` ([`Table::locate`]), not at its position in a split.
//!   Identifiers such as `00042` stay text, implausible dates (before 1900
//!   or after 2100) are errors at read time, and dates print as ISO dates.
//!
//! ```
//! use ua_data::csv_io::{read_csv_reader, CsvOptions};
//! use ua_data::clean::{Impute, Imputer};
//! use ua_data::groupby::{group_by, Agg};
//! use ua_data::{Transform, Transformer};
//!
//! let csv = "user,amount,day\nu1,10,2024-01-01\nu2,NA,2024-01-02\nu1,30,2024-01-05\n";
//! let orders = read_csv_reader(csv.as_bytes(), "orders.csv", &CsvOptions::default()).unwrap();
//! let imputer = Imputer::new().all_numeric(Impute::Mean).fit(&orders).unwrap();
//! let orders = imputer.transform(&orders).unwrap();
//! let per_user = group_by(&orders, &["user"], &[Agg::Count, Agg::Sum("amount".into())]).unwrap();
//! assert_eq!(per_user.numeric("amount_sum").unwrap().values(), &[40.0, 20.0]);
//! ```
//!
//! ## The fit/transform traits and the open pipeline
//!
//! [`Transformer`] (`fit(&self, &Table) -> Result<Self::Fitted>`) holds
//! hyper-parameters; its fitted type implements [`Transform`]
//! (`transform(&self, &Table) -> Result<Table>`). The
//! [`ColumnTransformer`](pipeline::ColumnTransformer) consumes both: each
//! `.step(columns, transformer)` is fitted on the training table restricted
//! to its columns, and its output columns become features. Below, a built-in
//! recipe, a chain of built-in steps and the remainder policy work side by
//! side; a user-written step plugs in the same way (see
//! [`FittedStep`](pipeline::FittedStep)).
//!
//! ```
//! use ua_data::pipeline::{CategoricalSteps, Chain, ColumnTransformer, FittedColumnTransformer, Remainder};
//! use ua_data::scale::StandardScaler;
//! use ua_data::transform::Log1p;
//! use ua_data::{Column, Table};
//! use ua_tensor::persist::Persist;
//!
//! let train = Table::new(vec![
//!     ("user_id".into(), Column::categorical(&["u1", "u2", "u3", "u4"])),
//!     ("spend".into(), Column::numeric(vec![0.0, 9.0, 99.0, 9.0])),
//!     ("device".into(), Column::categorical(&["ios", "web", "ios", "ios"])),
//!     ("newsletter".into(), Column::boolean(vec![true, false, false, true])),
//! ]).unwrap();
//! let pipe = ColumnTransformer::new()
//!     .step(&["spend"], Chain::new(Log1p::all()).then(StandardScaler::default()))
//!     .categorical(&["device"], CategoricalSteps::default())
//!     .remainder(Remainder::Passthrough) // newsletter as 0/1
//!     .id_column("user_id")
//!     .fit(&train)
//!     .unwrap();
//! assert_eq!(pipe.feature_names(), &["spend", "device=ios", "device=web", "newsletter"]);
//!
//! // One file, checked when read back; the same numbers for every new user.
//! let pipe = FittedColumnTransformer::from_json(&pipe.to_json().unwrap()).unwrap();
//! let out = pipe.transform_features(&train).unwrap();
//! assert_eq!(out.x.shape(), &[4, 4]);
//! assert!(out.x.column(0).sum().abs() < 1e-6); // standardised log-spend
//! assert_eq!(out.ids.unwrap().len(), 4); // to join scores back
//! ```
//!
//! ## Modules
//!
//! | module | what |
//! | --- | --- |
//! | [`table`] | [`Table`], [`Column`] and the typed column storages |
//! | [`date`] | dates as day counts: parse, format, calendar arithmetic |
//! | [`traits`] | [`Transformer`] / [`Transform`], the fit/transform split |
//! | `arrow_io` | (feature `parquet`) Arrow `RecordBatch` ↔ [`Table`] with types and missing values kept, Parquet writing (Spark-readable UTC timestamps) and reading with projection and row-group streaming |
//! | [`csv_io`] | CSV reading (type inference that keeps identifiers as text, overrides, a plausible-date window, errors at the editor's line) and writing |
//! | [`describe`] | per-column summary statistics |
//! | [`clean`] | dropping incomplete rows, imputation ([`clean::Impute`], the one imputation rule), dedup, clipping |
//! | [`join`] | inner/left hash joins, concatenation |
//! | [`groupby`] | grouping and aggregation |
//! | [`transform`] | column transforms: `ln(1 + x)` on tables and matrices, equal-count binning, calendar parts of dates |
//! | [`scale`] | standard, min-max and robust scalers on tables and matrices, with inverses; the one standardisation rule |
//! | [`encode`] | one-hot and ordinal encoding of categorical and boolean columns, with unseen-category handling |
//! | [`labels`] | 0/1 labels from a boolean, 0/1 or yes/no column, or a named positive value |
//! | [`pipeline`] | the open [`ColumnTransformer`](pipeline::ColumnTransformer): steps on column selections, remainder, id column, input schema, one saved file |
//! | [`split`] | row-index splits: train/test (stratified), k-fold, stratified k-fold, time split |
//! | [`features`] | feature extraction from logs: RFM per customer (cut-offs checked against the data, a default as-of date), user × item interaction matrices, per-user event sequences (token ids + numeric channels up to a cut-off) for sequence models |
//! | [`synth`] | a seeded synthetic shop (users, items, events, orders, fraud) with a documented hidden structure |
#![warn(missing_docs)]

#[cfg(feature = "parquet")]
pub mod arrow_io;
pub mod clean;
pub mod csv_io;
pub mod date;
pub mod describe;
pub mod encode;
mod error;
pub mod features;
pub mod groupby;
pub mod join;
pub mod labels;
pub mod pipeline;
pub mod scale;
pub mod split;
pub mod synth;
pub mod table;
#[cfg(test)]
mod testutil;
pub mod traits;
pub mod transform;

pub use error::{Error, Result};
pub use table::{
    BooleanColumn, CategoricalBuilder, CategoricalColumn, Column, ColumnType, DateColumn,
    NumericColumn, Table, Value,
};
pub use traits::{Transform, Transformer};
/// The `typetag` crate, for registering your own [`pipeline::FittedStep`]s:
/// `use ua_data::typetag;` then `#[typetag::serde(name = "...")]`.
pub use typetag;
pub use ua_tensor::ndarray;
