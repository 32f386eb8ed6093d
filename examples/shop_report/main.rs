//! The main example: one command from a shop's data to a report a marketing
//! team can read — who will buy, what customers are worth, what to
//! recommend, which accounts look risky, which segments exist.
//!
//! ```text
//! cargo run --release --example shop_report -- [--out report] [--seed 42] [--shop-users 2000]
//!     [--orders FILE --user-col C --date-col D --amount-col A [--fraud-col F]]
//!     [--events FILE --item-col I --event-col E --time-col T [--purchase-event purchase]]
//!     (--orders, --events or both; without --orders the orders are the event
//!     log's purchase events, with their --amount-col when the log has one)
//!     [--as-of YYYY-MM-DD] [--horizon-days 60] [--delimiter ,] [--quiet]
//! ```
//!
//! Without files it runs on the synthetic shop of `ua_data::synth` (seeded
//! by `--seed`). Every section is fitted on part of the data and evaluated
//! on data it was not fitted on. It writes `OUT/index.html` (one
//! self-contained page: inline SVG, no JavaScript, no network),
//! `OUT/summary.json` (every headline figure), the fitted models in
//! `OUT/models/` (the common saved-model envelope) and per-user CSV files.
//! Stage lines with their times go to stderr (not with `--quiet`), and on a
//! terminal a progress line shows the epochs and iterations of the stage
//! running (from the library's progress events); the last line on stdout is
//! the report's path. The same data and seed give
//! byte-identical files (times are printed, never written).
//!
//! A stage that fails (say, too few customers for a held-out split) does
//! not stop the others: its section and the summary say it was skipped and
//! why, a warning goes to stderr, and `summary.json` lists it under
//! `failed_stages`. `--help` lists the flags with their defaults; usage
//! errors exit with status 2, failures to read the data or write the report
//! with status 1.

mod data;
mod purchase;
mod recommend;
mod risk;
mod section;
mod segments;
mod sequence;
mod value;

use std::ffi::OsString;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use serde_json::{Map, Value, json};
use user_analytics::cli::{Command, Delimiter, Error, Flag, Matches};
use user_analytics::data::date::{format_date, parse_date};
use user_analytics::progress::with_progress;
use user_analytics::report::Page;

use data::{Files, ShopData};
use section::{Context, Out, Section};

/// The flags, their defaults and help (`--help` prints them).
pub const CMD: Command = Command {
    name: "shop_report",
    about: "Runs every application on a shop's data (without --orders: a synthetic shop) and \
            writes an HTML report with its figures, the fitted models and per-user CSV files.",
    flags: &[
        Flag::value("--out", "DIR", "the report directory").default("report"),
        Flag::value(
            "--seed",
            "N",
            "seed of the synthetic shop, splits and models",
        )
        .default("42"),
        Flag::value("--shop-users", "N", "users of the synthetic shop").default("2000"),
        Flag::value("--orders", "FILE", "your order log (CSV with a header)"),
        Flag::value("--events", "FILE", "your event log (CSV with a header)"),
        Flag::value("--user-col", "C", "customer id column (both files)").default("user_id"),
        Flag::value("--date-col", "D", "order date column").default("date"),
        Flag::value("--amount-col", "A", "order amount column").default("amount"),
        Flag::value(
            "--fraud-col",
            "F",
            "fraud label column of the orders (optional)",
        ),
        Flag::value("--item-col", "I", "item column of the events").default("item_id"),
        Flag::value("--event-col", "E", "event type column").default("event"),
        Flag::value(
            "--time-col",
            "T",
            "event time: seconds since 1970 UTC or a date",
        )
        .default("timestamp"),
        Flag::value(
            "--purchase-event",
            "NAME",
            "the event type that is a purchase",
        )
        .default("purchase"),
        Flag::value(
            "--as-of",
            "YYYY-MM-DD",
            "the report's date (default: the last order day)",
        ),
        Flag::value(
            "--horizon-days",
            "N",
            "purchase models: predict buying within this many days",
        )
        .default("60"),
        Flag::value("--delimiter", "C", "field separator: , ; | or tab").default(","),
        Flag::switch("--quiet", "no stage lines on stderr"),
    ],
    positional: None,
};

/// Parsed command line.
#[derive(Debug, Clone, PartialEq)]
pub struct Args {
    /// The report directory.
    pub out: PathBuf,
    /// Seed of everything.
    pub seed: u64,
    /// Users of the synthetic shop.
    pub shop_users: usize,
    /// The user's files; `None`: the synthetic shop.
    pub files: Option<Files>,
    /// The report's date.
    pub as_of: Option<i32>,
    /// Label window of the purchase models.
    pub horizon_days: i32,
    /// No stage lines.
    pub quiet: bool,
}

fn files(m: &Matches) -> Result<Option<Files>, Error> {
    let orders: Option<PathBuf> = m.value("--orders")?;
    let events: Option<PathBuf> = m.value("--events")?;
    if orders.is_none() && events.is_none() {
        return Ok(None);
    }
    Ok(Some(Files {
        orders,
        events,
        user_col: m.required("--user-col")?,
        date_col: m.required("--date-col")?,
        amount_col: m.required("--amount-col")?,
        fraud_col: m.value("--fraud-col")?,
        item_col: m.required("--item-col")?,
        event_col: m.required("--event-col")?,
        time_col: m.required("--time-col")?,
        purchase_event: m.required("--purchase-event")?,
        delimiter: m.required::<Delimiter>("--delimiter")?.0,
    }))
}

/// Parses the arguments (without the program name).
pub fn parse_args(args: Vec<OsString>) -> Result<Args, Error> {
    let m = CMD.parse(args)?;
    let shop_users: usize = m.required("--shop-users")?;
    if !(50..=200_000).contains(&shop_users) {
        return Err(Error::usage(format!(
            "--shop-users must be in 50..=200000, got {shop_users}"
        )));
    }
    let horizon_days: u32 = m.required("--horizon-days")?;
    if !(1..=3_650).contains(&horizon_days) {
        return Err(Error::usage(format!(
            "--horizon-days must be in 1..=3650, got {horizon_days}"
        )));
    }
    let as_of = match m.get("--as-of") {
        None => None,
        Some(s) => Some(parse_date(s.trim()).ok_or_else(|| {
            Error::usage(format!(
                "--as-of: {s:?} is not a date (YYYY-MM-DD or YYYYMMDD)"
            ))
        })?),
    };
    Ok(Args {
        out: m.required("--out")?,
        seed: m.required("--seed")?,
        shop_users,
        files: files(&m)?,
        as_of,
        horizon_days: horizon_days as i32,
        quiet: m.switch("--quiet"),
    })
}

/// A stage: its name on the progress line, its section's heading, and the
/// function that builds the section.
type Stage = (
    &'static str,
    &'static str,
    fn(&Context) -> Result<Section, String>,
);

/// The report's sections, in order.
const STAGES: &[Stage] = &[
    ("purchase", purchase::TITLE, purchase::section),
    ("value", value::TITLE, value::section),
    ("sequence", sequence::TITLE, sequence::section),
    ("recommend", recommend::TITLE, recommend::section),
    ("risk", risk::TITLE, risk::section),
    ("segments", segments::TITLE, segments::section),
];

/// Runs every stage and writes the report; returns the path of `index.html`.
pub fn run(a: &Args) -> Result<PathBuf, Error> {
    let say = |line: String| {
        if !a.quiet {
            eprintln!("{line}");
        }
    };
    let t = Instant::now();
    let shop: ShopData = match &a.files {
        None => data::synthetic(a.seed, a.shop_users)?,
        Some(f) => data::from_files(f, a.as_of)?,
    };
    say(format!(
        "data: {} orders{} ({:.2} s)",
        shop.orders.n_rows(),
        shop.events
            .as_ref()
            .map(|e| format!(", {} events", e.n_rows()))
            .unwrap_or_default(),
        t.elapsed().as_secs_f64()
    ));
    let out = Out::create(&a.out)?;
    let ctx = Context {
        shop: &shop,
        out: &out,
        seed: a.seed,
        horizon_days: a.horizon_days,
    };
    let mut sections = Vec::new();
    let mut skipped = Vec::new();
    for (name, title, stage) in STAGES {
        let t = Instant::now();
        // Epochs and iterations on one line of stderr, on a terminal only.
        // A stage that fails does not stop the others: its section says why.
        let s = match with_progress(name, a.quiet, || stage(&ctx)) {
            Ok(s) => {
                say(format!("{name}: done ({:.2} s)", t.elapsed().as_secs_f64()));
                s
            }
            Err(e) => {
                // Said even with --quiet: the report is incomplete.
                eprintln!("shop_report: warning: {name}: skipped — {e}");
                skipped.push(name.to_string());
                Section::skipped(title, &e)
            }
        };
        sections.push(s);
    }
    let mut page = Page::new("Shop report").summary(
        std::iter::once(format!(
            "Data: {}; report date {}.",
            shop.source,
            format_date(shop.as_of)
        ))
        .chain(sections.iter().flat_map(|s| s.summary.iter().cloned())),
    );
    let mut figures = Map::new();
    for s in sections {
        figures.insert(s.title.clone(), Value::Object(s.figures));
        page = page.section(s.title, s.guide, s.items);
    }
    let files = out.written();
    page = page.footer(format!(
        "Made by the shop_report example of user-analytics (seed {}). Files: {}.",
        a.seed,
        files.join(", ")
    ));
    let html = page.to_html().map_err(|e| e.to_string())?;
    let summary = json!({
        "source": shop.source,
        "as_of": format_date(shop.as_of),
        "seed": a.seed,
        "sections": figures,
        "failed_stages": skipped,
        "files": files,
    });
    out.text(
        "summary.json",
        &serde_json::to_string_pretty(&summary).map_err(|e| e.to_string())?,
    )?;
    Ok(out.text("index.html", &html)?)
}

fn main() -> ExitCode {
    let args: Vec<OsString> = std::env::args_os().skip(1).collect();
    match parse_args(args).and_then(|a| run(&a)) {
        Ok(path) => {
            println!("report: {}", path.display());
            ExitCode::SUCCESS
        }
        Err(Error::Help(h)) => {
            println!("{h}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("shop_report: error: {e}");
            ExitCode::from(e.code())
        }
    }
}
