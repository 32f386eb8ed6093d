//! Customer segmentation from a transaction log: k-means on standardised
//! `log1p(recency, frequency, monetary)` and the named RFM segments.
//!
//! ```text
//! cargo run --release --example segment -- \
//!     --transactions FILE --customer-col C --date-col D --amount-col A \
//!     [--as-of YYYY-MM-DD] [--k N] [--k-range 2..8] [--seed 42] [--delimiter ,] [--json]
//! ```
//!
//! `--help` lists the flags with their defaults; usage errors exit with
//! status 2, failures on the data with status 1. Customer ids are read as
//! text (`00004` and `4` are two customers). `--k-range A..B` needs
//! 2 ≤ A ≤ B ≤ customers − 1 and `--k` at most the number of customers,
//! checked before any fit.
//!
//! * Only rows dated on or before `--as-of` (default: the last date in the
//!   file) count. When the as-of date is before the last date, the later
//!   rows give the label `bought_after_as_of` (did the customer buy again
//!   afterwards?), whose rate the profiles show per segment.
//! * Per customer: recency = days from the last purchase to the as-of date,
//!   frequency = distinct purchase days, monetary = total amount; the
//!   k-means features are `log1p` of the three, standardised with the mean
//!   and population standard deviation over all customers.
//! * K-means: k-means++ seeding, `n_init` 10, seed `--seed` (default 42).
//!   `--k-range 2..8` fits k = 2, 3, …, 8 (both ends included); `--k N`
//!   is the k whose profiles are shown (default 4; fitted as well if it is
//!   outside the range). Per k (`ua_analytics::segmentation::evaluate_k_range`,
//!   the same report for any feature matrix): inertia, silhouette (all
//!   customers up to 50,000, else a seeded sample of 50,000),
//!   Davies–Bouldin, Calinski–Harabasz, iterations, fit seconds; and the k
//!   the report recommends over the range (highest silhouette, ties to the
//!   smaller k) with its reason. Clusters are numbered by size, 0 the largest.
//! * RFM named segments: rank-quintile R, F, M scores with ties sharing a
//!   score, and the (R, F) segment map documented in
//!   `ua_analytics::segmentation::rfm`.
//! * `--json` prints one object with the keys `customers`, `by_k`,
//!   `recommended_k`, `recommendation`, `sizes`, `profiles`, `rfm_segments`.
//! * Without `--transactions` it runs on the orders of the default synthetic
//!   shop of `ua-data` (2,000 users over 365 days, seed 42), as of 90 days
//!   before the end of its log.
//!
//! Dates may be `YYYY-MM-DD` or `YYYYMMDD` (as in the CDNOW file). A
//! negative, missing or non-finite amount, a missing customer id, an
//! unparseable or missing date (reported by file, line and column) and an
//! as-of date before the first purchase are errors: the program prints them
//! and exits with status 1 (2 for the as-of date). Line numbers count one header line and assume no
//! line breaks inside quoted fields.

use std::fmt::Write as _;
use std::path::Path;
use std::process::ExitCode;
use std::time::Instant;

use serde::Serialize;
use ua_analytics::segmentation::profile::{SegmentProfile, SegmentProfiles};
use ua_analytics::segmentation::rfm::{LogRfmScaler, RfmKMeans, RfmScores, RfmSegment};
use ua_analytics::segmentation::{
    KMeans, KScores, SILHOUETTE_MAX_ROWS, SilhouetteMode, evaluate_k_range,
};
use ua_data::ColumnType;
use ua_data::csv_io::{CsvOptions, read_csv};
use ua_data::date::{format_date, parse_date};
use ua_data::features::rfm::{RfmConfig, RfmFeatures, default_as_of};
use ua_data::synth::{ShopConfig, generate};
use ua_data::table::{Column, Table};
use user_analytics::cli::{self, Command, Delimiter, Error, Flag};
use user_analytics::progress::with_progress;

const N_INIT: usize = 10;

const CMD: Command = Command {
    name: "segment",
    about: "Customer segmentation from a transaction log: k-means on standardised \
            log1p(recency, frequency, monetary) and the named RFM segments. Without \
            --transactions: the orders of the default synthetic shop.",
    flags: &[
        Flag::value(
            "--transactions",
            "FILE",
            "the transaction log (CSV with a header)",
        ),
        Flag::value(
            "--customer-col",
            "C",
            "customer id column (read as text: 00004 and 4 differ)",
        ),
        Flag::value("--date-col", "D", "date column (YYYY-MM-DD or YYYYMMDD)"),
        Flag::value("--amount-col", "A", "amount column"),
        Flag::value(
            "--as-of",
            "YYYY-MM-DD",
            "count rows up to this day (default: the last date)",
        ),
        Flag::value("--k", "N", "the k whose profiles are shown").default("4"),
        Flag::value(
            "--k-range",
            "A..B",
            "fit k = A..B (2 ≤ A ≤ B ≤ customers − 1) and recommend one",
        ),
        Flag::value("--seed", "N", "seed of k-means").default("42"),
        Flag::value("--delimiter", "C", "field separator: , ; | or tab").default(","),
        Flag::switch("--json", "print one JSON object"),
        cli::QUIET,
    ],
    positional: None,
};

struct Args {
    transactions: Option<String>,
    customer_col: Option<String>,
    date_col: Option<String>,
    amount_col: Option<String>,
    as_of: Option<i32>,
    k: usize,
    k_range: Option<(usize, usize)>,
    seed: u64,
    delimiter: u8,
    json: bool,
    /// No progress line (`--quiet`).
    quiet: bool,
}

/// `A..B` (or `A..=B`), both ends included, 2 ≤ A ≤ B.
fn parse_range(s: &str) -> Result<(usize, usize), Error> {
    let bad = |why: &str| {
        Error::usage(format!(
            "--k-range: '{s}' {why} (expected A..B such as 2..8, both ends included)"
        ))
    };
    let (lo, hi) = s.split_once("..").ok_or_else(|| bad("has no '..'"))?;
    let hi = hi.strip_prefix('=').unwrap_or(hi);
    let end = |t: &str| -> Result<usize, Error> {
        let t = t.trim();
        t.parse().map_err(|_| {
            if !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit()) {
                bad(&format!(
                    "has an end too large to be a number of clusters ({t})"
                ))
            } else {
                bad(&format!("has an end that is not a whole number ({t:?})"))
            }
        })
    };
    let (lo, hi) = (end(lo)?, end(hi)?);
    if lo < 2 || hi < lo {
        return Err(Error::usage(format!(
            "--k-range: need 2 ≤ A ≤ B, found {lo}..{hi} (both ends are included)"
        )));
    }
    Ok((lo, hi))
}

fn parse_args(args: Vec<std::ffi::OsString>) -> Result<Args, Error> {
    let m = CMD.parse(args)?;
    let as_of = m
        .get("--as-of")
        .map(|s| {
            parse_date(s.trim()).ok_or_else(|| {
                Error::usage(format!(
                    "--as-of: cannot read {s:?} as a date (expected YYYY-MM-DD or YYYYMMDD)"
                ))
            })
        })
        .transpose()?;
    let a = Args {
        transactions: m.value("--transactions")?,
        customer_col: m.value("--customer-col")?,
        date_col: m.value("--date-col")?,
        amount_col: m.value("--amount-col")?,
        as_of,
        k: m.required("--k")?,
        k_range: m.get("--k-range").map(parse_range).transpose()?,
        seed: m.required("--seed")?,
        delimiter: m.required::<Delimiter>("--delimiter")?.0,
        json: m.switch("--json"),
        quiet: m.switch("--quiet"),
    };
    if a.k == 0 {
        return Err(Error::usage("--k must be at least 1"));
    }
    if a.transactions.is_none()
        && (a.customer_col.is_some() || a.date_col.is_some() || a.amount_col.is_some())
    {
        return Err(Error::usage(
            "--customer-col, --date-col and --amount-col need --transactions FILE",
        ));
    }
    Ok(a)
}

/// The transaction log and where it came from.
struct Log {
    table: Table,
    source: String,
    customer: String,
    date: String,
    amount: String,
    /// Default as-of date when `--as-of` is not given.
    default_as_of: Option<i32>,
}

/// `FILE, line L, column `C``: the 0-based data row as a text-editor line.
fn at(file: &str, row: usize, col: &str) -> String {
    format!("{file}, line {}, column `{col}`", row + 2)
}

fn load(args: &Args) -> Result<Log, Error> {
    let Some(path) = &args.transactions else {
        let cfg = ShopConfig::default();
        let shop = generate(&cfg).map_err(|e| e.to_string())?;
        let table = shop.orders_table().map_err(|e| e.to_string())?;
        return Ok(Log {
            table,
            source: format!(
                "synthetic shop (ua_data::synth, ShopConfig::default(), seed {}, {} users, {} days)",
                cfg.seed, cfg.n_users, cfg.n_days
            ),
            customer: "user_id".into(),
            date: "date".into(),
            amount: "amount".into(),
            default_as_of: Some(cfg.end_day() - 90),
        });
    };
    let need = |v: &Option<String>, flag: &str| {
        v.clone()
            .ok_or_else(|| Error::usage(format!("{flag} is required with --transactions")))
    };
    let customer = need(&args.customer_col, "--customer-col")?;
    let date = need(&args.date_col, "--date-col")?;
    let amount = need(&args.amount_col, "--amount-col")?;
    cli::check_not_empty("--transactions", Path::new(path))?;
    if let Some(w) = cli::delimiter_warning(Path::new(path), args.delimiter) {
        eprintln!("{w}");
    }
    // The date column is read as dates (YYYY-MM-DD or YYYYMMDD), so a bad
    // date (or amount such as `$29.33`) is a parse error with file, line,
    // column and value; customer ids are
    // text, so that `00004` and `4` stay two customers.
    let opts = CsvOptions::default()
        .delimiter(args.delimiter)
        .with_type(customer.clone(), ColumnType::Categorical)
        .with_type(date.clone(), ColumnType::Date)
        .with_type(amount.clone(), ColumnType::Numeric);
    let table = read_csv(path, &opts).map_err(|e| e.to_string())?;
    Ok(Log {
        table,
        source: path.clone(),
        customer,
        date,
        amount,
        default_as_of: None,
    })
}

/// Checks the columns the way a person wants to hear about problems: by
/// file, line and column. Returns the first and last purchase day.
fn check(log: &Log) -> Result<(i32, i32), String> {
    let (t, file) = (&log.table, log.source.as_str());
    let col = |name: &str| t.column(name).map_err(|e| format!("{file}: {e}"));
    let cust = col(&log.customer)?;
    if let Some(row) = (0..cust.len()).find(|&i| cust.is_missing(i)) {
        return Err(format!(
            "{}: missing customer id",
            at(file, row, &log.customer)
        ));
    }
    let amount = match col(&log.amount)? {
        Column::Numeric(c) => c,
        other => {
            return Err(format!(
                "{file}: column `{}` must hold numbers, found {} values",
                log.amount,
                other.dtype()
            ));
        }
    };
    for (row, v) in amount.iter().enumerate() {
        match v {
            None => return Err(format!("{}: missing amount", at(file, row, &log.amount))),
            Some(a) if !a.is_finite() => {
                return Err(format!(
                    "{}: amount {a} is not finite",
                    at(file, row, &log.amount)
                ));
            }
            Some(a) if a < 0.0 => {
                return Err(format!(
                    "{}: negative amount {a}; remove refunds or net them out first",
                    at(file, row, &log.amount)
                ));
            }
            Some(_) => {}
        }
    }
    // Missing and implausible dates (before 1900, after 2100) by line.
    cli::check_dates(t, &log.date, file, 1).map_err(|e| e.to_string())
}

#[derive(Serialize)]
struct Output<'a> {
    customers: usize,
    by_k: &'a [KScores],
    recommended_k: Option<usize>,
    recommendation: &'a str,
    sizes: &'a [usize],
    profiles: &'a [SegmentProfile],
    rfm_segments: &'a [SegmentProfile],
}

fn run(args: &Args) -> Result<String, Error> {
    let t_start = Instant::now();
    let log = load(args)?;
    let (first, last) = check(&log)?;
    if args.as_of.is_none() && log.default_as_of.is_none() {
        // The default as-of date comes from the data: rows dated after
        // today (2099 in a 1998 log) would move it silently, so they are an
        // error naming the first one.
        default_as_of(&log.table, &log.date)
            .map_err(|e| Error::failed(format!("{}: {e}", log.source)))?;
    }
    let as_of = args.as_of.or(log.default_as_of).unwrap_or(last);
    if as_of < first {
        return Err(Error::usage(format!(
            "{}: the as-of date {} is before the first purchase ({}); no customer has history",
            log.source,
            format_date(as_of),
            format_date(first)
        )));
    }
    if args.as_of.is_some() && log.default_as_of.is_none() && as_of > last {
        return Err(Error::usage(format!(
            "--as-of {} is after the last purchase in {} (the data runs {} .. {})",
            format_date(as_of),
            log.source,
            format_date(first),
            format_date(last)
        )));
    }
    let cfg = RfmConfig {
        as_of,
        holdout_end: (as_of < last).then_some(last),
    };
    let f = RfmFeatures::from_table(
        &log.table,
        &log.customer,
        &log.date,
        &log.amount,
        None,
        &cfg,
    )
    .map_err(|e| format!("{}: {e}", log.source))?;
    let r = f.report;

    let (x, scaler) = LogRfmScaler::fit_transform(&f).map_err(|e| e.to_string())?;
    let chosen = args.k;
    let n = f.len();
    if chosen > n {
        return Err(Error::usage(format!(
            "--k {chosen} is more than the {n} customers with history in {}",
            log.source
        )));
    }
    if let Some((_, hi)) = args.k_range
        && hi >= n
    {
        return Err(Error::usage(format!(
            "--k-range: B = {hi} is too large: {} has {n} customers with history, so B can be at most {}",
            log.source,
            n.saturating_sub(1)
        )));
    }
    let (lo, hi) = args.k_range.unwrap_or((chosen, chosen));
    let base = KMeans::default().n_init(N_INIT).seed(args.seed);
    let silhouette = SilhouetteMode::Sampled {
        size: SILHOUETTE_MAX_ROWS,
        seed: args.seed,
    };
    let report =
        evaluate_k_range(x.view(), lo..=hi, &base, silhouette).map_err(|e| e.to_string())?;
    let mut by_k = report.scores.clone();
    if !(lo..=hi).contains(&chosen) {
        // The k whose profiles are shown, reported too (not part of the
        // recommendation, which is over the range).
        let extra = evaluate_k_range(x.view(), chosen..=chosen, &base, silhouette)
            .map_err(|e| format!("k = {chosen}: {e}"))?;
        by_k.extend(extra.scores);
        by_k.sort_by_key(|s| s.k);
    }
    let fit = base
        .clone()
        .k(chosen)
        .fit(x.view())
        .map_err(|e| format!("k = {chosen}: {e}"))?;
    let seg = RfmKMeans::from_fit(scaler, fit).map_err(|e| e.to_string())?;
    let names: Vec<String> = (0..seg.k()).map(|c| format!("cluster {c}")).collect();
    let label_name = "bought_after_as_of";
    let mut profiles =
        SegmentProfiles::from_rfm(&f, seg.labels(), &names).map_err(|e| e.to_string())?;
    let scores = RfmScores::from_features(&f).map_err(|e| e.to_string())?;
    let mut named =
        SegmentProfiles::from_rfm_segments(&f, &scores.segments()).map_err(|e| e.to_string())?;
    if cfg.holdout_end.is_some() {
        profiles = profiles.with_label_name(label_name);
        named = named.with_label_name(label_name);
    }

    if args.json {
        let out = Output {
            customers: f.len(),
            by_k: &by_k,
            recommended_k: report.recommended_k,
            recommendation: &report.reason,
            sizes: seg.sizes(),
            profiles: &profiles.profiles,
            rfm_segments: &named.profiles,
        };
        let s = serde_json::to_string_pretty(&out).map_err(|e| e.to_string())?;
        return Ok(format!("{s}\n"));
    }

    let mut out = String::new();
    let _ = writeln!(out, "source: {}", log.source);
    let _ = writeln!(
        out,
        "as of {} (log {} .. {}); {} rows: {} counted, {} after as-of{}",
        format_date(as_of),
        format_date(first),
        format_date(last),
        r.rows_total,
        r.rows_in_window,
        r.rows_in_holdout + r.rows_ignored,
        if cfg.holdout_end.is_some() {
            format!(" (used only for the label `{label_name}`)")
        } else {
            String::new()
        }
    );
    let _ = writeln!(
        out,
        "{} customers with history; {} customers only bought after as-of and are not included",
        r.customers, r.customers_excluded
    );
    let _ = writeln!(
        out,
        "features: standardised log1p(recency_days, frequency, monetary); means {:.4?}, stds {:.4?}",
        seg.scaler().mean(),
        seg.scaler().scale()
    );
    let sil_note = if f.len() > SILHOUETTE_MAX_ROWS {
        format!("on a seeded sample of {SILHOUETTE_MAX_ROWS}")
    } else {
        "on all customers".to_string()
    };
    let _ = writeln!(out);
    let _ = writeln!(
        out,
        "k-means (k-means++, n_init {N_INIT}, seed {}), silhouette {sil_note}:",
        args.seed
    );
    let _ = writeln!(
        out,
        "{:>3}  {:>12}  {:>10}  {:>14}  {:>17}  {:>10}  {:>11}",
        "k",
        "inertia",
        "silhouette",
        "davies_bouldin",
        "calinski_harabasz",
        "iterations",
        "fit_seconds"
    );
    let opt = |v: Option<f64>| v.map_or_else(|| "-".to_string(), |v| format!("{v:.4}"));
    for s in &by_k {
        let _ = writeln!(
            out,
            "{:>3}  {:>12.3}  {:>10}  {:>14}  {:>17}  {:>10}  {:>11.4}",
            s.k,
            s.inertia,
            opt(s.silhouette),
            opt(s.davies_bouldin),
            opt(s.calinski_harabasz),
            s.n_iter,
            s.fit_seconds
        );
    }
    let _ = writeln!(out, "recommended: {}", report.reason);
    let _ = writeln!(out);
    let _ = writeln!(
        out,
        "profiles of k = {chosen} (clusters numbered by size; sizes {:?}):",
        seg.sizes()
    );
    let _ = writeln!(out, "{profiles}");
    let _ = writeln!(out);
    let _ = writeln!(
        out,
        "RFM named segments (R, F, M rank quintiles, ties share a score; segment from R and F):"
    );
    let _ = writeln!(out, "{named}");
    let _ = writeln!(out);
    let rules: Vec<String> = RfmSegment::ALL
        .iter()
        .map(|s| format!("{} = {}", s.name(), s.rule()))
        .collect();
    let _ = writeln!(out, "segment rules: {}", rules.join("; "));
    let _ = writeln!(out, "total time {:.2} s", t_start.elapsed().as_secs_f64());
    Ok(out)
}

fn main() -> ExitCode {
    // Iterations on one stderr line, on a terminal only.
    let result = parse_args(std::env::args_os().skip(1).collect())
        .and_then(|a| with_progress("segment", a.quiet, || run(&a)));
    match result {
        Ok(out) => {
            // Printed after the work, so the progress line is gone first.
            print!("{out}");
            ExitCode::SUCCESS
        }
        Err(Error::Help(h)) => {
            println!("{h}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("segment: error: {e}");
            ExitCode::from(e.code())
        }
    }
}
