//! # ua-report — deterministic SVG charts and self-contained HTML reports
//!
//! The pictures of the shop report: training curves, ROC and
//! precision–recall curves, calibration, gain and lift, a confusion matrix,
//! importance bars, k-selection, a segment scatter, the RFM grid, alert
//! budgets, score histograms, tables — and a [`Page`] that assembles them
//! into one HTML file a marketing team can open.
//!
//! ## Design
//!
//! * **SVG written directly, no plotting crate.** Every chart is a function
//!   (or a small builder) returning an [`Svg`]: the text of a complete
//!   `<svg>` element. Writing the markup ourselves keeps the output
//!   *deterministic* (same input → byte-identical output on every machine:
//!   coordinates are printed with one decimal, numbers with a fixed rule),
//!   independent of fonts (text is laid out by the browser; the only
//!   estimate of text width, 7 px a character, sizes legends and margins
//!   and never measures a font), free of system libraries, and fast to build:
//!   the crate has no dependency at all.
//! * **Plain data in.** Charts take `&[f64]`, `&[(f64, f64)]`, labels and
//!   the points of [`curves`]; this crate knows nothing of models, so any
//!   program (the `shop_report` example, a user's own) can feed it.
//! * **Honest curves.** [`curves`] computes ROC, precision–recall, gain and
//!   calibration points from scores and labels, over distinct thresholds
//!   (ties crossed together), with hand-computed tests.
//! * **Readable and accessible.** Every chart is at most 1200 px wide, has
//!   `role="img"`, a `<title>` and a `<desc>` that states what is drawn (the
//!   series, their ranges, any thinning), axis titles with units, and a
//!   legend. Series differ by colour (Okabe–Ito palette), dash pattern *and*
//!   marker shape, so the chart reads without colour; grey dashed lines are
//!   references (chance, diagonal, random targeting, base rate).
//! * **Fixed number rule.** Axis ticks are multiples of 1, 2 or 5 × 10^k,
//!   written with exactly the decimals the step needs, without locale and
//!   without float noise ([`format::nice_ticks`], [`format::format_tick`]).
//! * **Bad input is an error, not a picture of nothing.** NaN or infinite
//!   values return [`Error::NonFinite`] naming the series and the index; an
//!   empty series or chart returns [`Error::Empty`]; mismatched lengths,
//!   unknown group indices and out-of-range parameters are named. Large
//!   inputs are thinned by a fixed stride (lines over
//!   [`MAX_LINE_POINTS`], scatters over [`MAX_SCATTER_POINTS`]) and the
//!   description says how many points are shown. Nothing prints or panics.
//! * **Escaped everywhere.** Every label, title and cell is XML/HTML
//!   escaped; a [`Page`] inlines only [`Svg`] values made here and escapes
//!   every other string. The page is one file: inline CSS and SVG, no
//!   JavaScript, no network, well-formed XML as well as HTML5.
//!
//! ## What is here
//!
//! | chart | function |
//! | --- | --- |
//! | any lines (loss/accuracy per epoch, …) | [`LineChart`], [`epoch_chart`] |
//! | ROC with chance diagonal and AUC | [`roc_chart`] from [`curves::roc_points`] |
//! | precision–recall with base rate | [`pr_chart`] from [`curves::pr_points`] |
//! | calibration with counts | [`calibration_chart`] from [`curves::calibration_bins`] |
//! | cumulative gain / lift | [`gain_chart`], [`lift_chart`] from [`curves::gain_points`] |
//! | confusion matrix | [`confusion_chart`] ([`ConfusionCounts`]) |
//! | importance bars with error bars | [`bar_chart`] ([`Bar`]) |
//! | k-selection (elbow + silhouette) | [`k_selection_chart`] |
//! | scatter by group (PCA of customers) | [`scatter_chart`] |
//! | heat grid (RFM grid) | [`HeatGrid`] |
//! | precision/recall vs alert budget | [`budget_chart`] |
//! | histograms by class | [`histogram_chart`] |
//! | table | [`HtmlTable`] |
//! | the page | [`Page`], [`Item`] |
//!
//! ```
//! use ua_report::{Page, curves::roc_points, roc_chart};
//! let scores = [0.9, 0.7, 0.6, 0.2];
//! let labels = [true, false, true, false];
//! let roc = roc_points(&scores, &labels)?;
//! let svg = roc_chart("Purchase propensity, test users", &[("logistic", &roc[..])])?;
//! let html = Page::new("Shop report")
//!     .summary(["The model ranks a buyer above a non-buyer 3 times in 4 (AUC 0.750)."])
//!     .section("Who will buy", "The further the curve is above the diagonal, the better.", vec![svg.into()])
//!     .to_html()?;
//! assert!(html.contains("logistic (AUC 0.750)"));
//! # Ok::<(), ua_report::Error>(())
//! ```
#![warn(missing_docs)]

mod bar;
pub mod curves;
mod error;
pub mod format;
mod grid;
mod line;
mod page;
mod svg;
mod table;

pub use bar::{Bar, MAX_BARS, bar_chart};
pub use error::{Error, Result};
pub use grid::{ConfusionCounts, HeatGrid, MAX_GRID_SIDE, confusion_chart};
pub use line::{
    LineChart, MAX_LINE_POINTS, MAX_SCATTER_POINTS, budget_chart, calibration_chart, epoch_chart,
    gain_chart, histogram_chart, k_selection_chart, lift_chart, pr_chart, roc_chart, scatter_chart,
};
pub use page::{Item, Page};
pub use svg::{MAX_WIDTH, Svg};
pub use table::HtmlTable;
