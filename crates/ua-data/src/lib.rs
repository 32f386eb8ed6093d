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
//!   [`Transform`] (and serde), which is applied unchanged to the
//!   validation split, the test split and every new user. An unfitted step
//!   cannot be applied, and nothing is re-fitted on the data it transforms.
//! * **Nothing is dropped or changed silently.** Operations that remove rows
//!   or fill values return a report of how many and why
//!   ([`clean::DropReport`], [`clean::ImputeReport`], [`clean::ClipReport`]);
//!   a left join gives explicit missing values for unmatched rows; group-by
//!   keeps rows with missing keys as their own group.
//! * **Errors, not panics.** Bad input returns [`Error`] naming the file, the
//!   1-based line, the column and the offending value, or the available
//!   column names when a name is unknown.
//!
//! ```
//! use ua_data::csv_io::{read_csv_reader, CsvOptions};
//! use ua_data::clean::{Imputer, Strategy};
//! use ua_data::groupby::{group_by, Agg};
//! use ua_data::{Transform, Transformer};
//!
//! let csv = "user,amount,day\nu1,10,2024-01-01\nu2,NA,2024-01-02\nu1,30,2024-01-05\n";
//! let orders = read_csv_reader(csv.as_bytes(), "orders.csv", &CsvOptions::default()).unwrap();
//! let imputer = Imputer::new().all_numeric(Strategy::Mean).fit(&orders).unwrap();
//! let orders = imputer.transform(&orders).unwrap();
//! let per_user = group_by(&orders, &["user"], &[Agg::Count, Agg::Sum("amount".into())]).unwrap();
//! assert_eq!(per_user.numeric("amount_sum").unwrap().values(), &[40.0, 20.0]);
//! ```
//!
//! ## Modules
//!
//! | module | what |
//! | --- | --- |
//! | [`table`] | [`Table`], [`Column`] and the typed column storages |
//! | [`date`] | dates as day counts: parse, format, calendar arithmetic |
//! | [`traits`] | [`Transformer`] / [`Transform`], the fit/transform split |
//! | [`csv_io`] | CSV reading (type inference, overrides, precise errors) and writing |
//! | [`describe`] | per-column summary statistics |
//! | [`clean`] | dropping incomplete rows, imputation, dedup, clipping |
//! | [`join`] | inner/left hash joins, concatenation |
//! | [`groupby`] | grouping and aggregation |
//! | [`transform`] | *(filled in by its author)* |
//! | [`scale`] | *(filled in by its author)* |
//! | [`encode`] | *(filled in by its author)* |
//! | [`pipeline`] | *(filled in by its author)* |
//! | [`split`] | *(filled in by its author)* |
//! | [`features`] | *(filled in by its author)* |
//! | [`synth`] | *(filled in by its author)* |
#![warn(missing_docs)]

pub mod clean;
pub mod csv_io;
pub mod date;
pub mod describe;
pub mod encode;
mod error;
pub mod features;
pub mod groupby;
pub mod join;
pub mod pipeline;
pub mod scale;
pub mod split;
pub mod synth;
pub mod table;
pub mod traits;
pub mod transform;

pub use error::{Error, Result};
pub use table::{
    BooleanColumn, CategoricalBuilder, CategoricalColumn, Column, ColumnType, DateColumn,
    NumericColumn, Table, Value,
};
pub use traits::{Transform, Transformer};
pub use ua_tensor::ndarray;
