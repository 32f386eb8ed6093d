//! Customer lifetime value from a transaction log: BG/NBD (or MBG/NBD) for
//! purchases, Gamma-Gamma for spend.
//!
//! ```text
//! cargo run --release --example clv -- --transactions FILE --customer-col C
//!     --date-col D --amount-col A --calibration-end YYYY-MM-DD
//!     [--holdout-end YYYY-MM-DD] [--horizon-days 365] [--discount 0.01]
//!     [--period-days 30] [--model bgnbd|mbgnbd] [--l2 0] [--output FILE]
//!     [--force] [--delimiter ,] [--json]
//! ```
//!
//! `--help` lists the flags with their defaults; usage errors exit with
//! status 2, failures on the data with status 1.
//!
//! Time unit: days. Per customer with a purchase on or before the
//! calibration end: x = repeat purchase days, t_x = last − first purchase
//! day, T = calibration end − first purchase day, mean repeat spend (rows of
//! one day are one purchase; lifetimes' definitions). The transaction model
//! is fitted on (x, t_x, T), the Gamma-Gamma spend model on the customers
//! with x > 0 and mean repeat spend > 0 (the others are counted and shown).
//! Printed: the fitted parameters, log-likelihood and convergence of both
//! models, the frequency–spend correlation Gamma-Gamma assumes to be ≈ 0,
//! and — with `--holdout-end` — the MAE/RMSE of the expected vs the actual
//! purchase days in `(calibration end, holdout end]` and the ROC-AUC of
//! P(buys again in the holdout) against "bought in the holdout".
//!
//! CLV sums expected spend over `--horizon-days` after the calibration end,
//! in periods of `--period-days`, each discounted at `--discount` per period
//! (lifetimes' `customer_lifetime_value` convention: with days, 30-day
//! periods and a monthly rate; a horizon of 360 days is its `time=12`).
//!
//! `--output FILE` writes one CSV row per customer: `customer, frequency,
//! recency, T, mean_repeat_spend, p_alive, expected_purchases,
//! expected_average_spend, clv` (expected purchases over the CLV horizon),
//! and with a holdout `holdout_purchases, expected_holdout_purchases,
//! p_buys_again_holdout`. An existing file is replaced only with `--force`.
//!
//! `--json` prints one object with keys `customers`, `bgnbd` {`r`, `alpha`,
//! `a`, `b`, `log_likelihood`, `converged`, `iterations`, `gradient_norm`},
//! `gamma_gamma` {`p`, `q`, `v`, `converged`, `used`,
//! `excluded_no_repeat`, `excluded_nonpositive_spend`,
//! `frequency_spend_correlation`}, `holdout_mae`, `holdout_rmse`,
//! `roc_auc_buys_again` (null without a holdout, or when undefined),
//! `fit_seconds` (both model fits, without reading the file), and
//! `horizon_days`, `discount`, `clv_total`.
//!
//! Without `--transactions`, the example runs on the orders of the
//! synthetic shop from `ua-data`'s simulator (`ShopConfig::default()`, one
//! year): calibration on its first 273 days, holdout on the remaining 92.

use std::ffi::OsString;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use user_analytics::analytics::clv::{
    BgNbd, ClvSettings, CustomerHistories, FittedBgNbd, FittedGammaGamma, GammaGamma,
};
use user_analytics::analytics::metrics::roc_auc;
use user_analytics::cli::{self, Command, Delimiter, Error, Flag, Matches};
use user_analytics::data::csv_io::{CsvOptions, read_csv, write_csv};
use user_analytics::data::date::{format_date, parse_date};
use user_analytics::data::features::Key;
use user_analytics::data::features::customer_base::{CustomerBase, CustomerBaseConfig};
use user_analytics::data::synth::{ShopConfig, generate};
use user_analytics::data::{Column, ColumnType, Table};
use user_analytics::progress::with_progress;

/// The flags, their defaults and help (`--help` prints them).
pub const CMD: Command = Command {
    name: "clv",
    about: "Customer lifetime value from a transaction log: BG/NBD purchases, Gamma-Gamma spend \
            (without --transactions: the orders of a synthetic shop). --transactions, \
            --customer-col, --date-col, --amount-col and --calibration-end go together.",
    flags: &[
        Flag::value(
            "--transactions",
            "FILE",
            "the transaction log (CSV with a header)",
        ),
        Flag::value("--customer-col", "C", "customer id column (read as text)"),
        Flag::value("--date-col", "D", "date column (YYYY-MM-DD or YYYYMMDD)"),
        Flag::value("--amount-col", "A", "amount column"),
        Flag::value(
            "--calibration-end",
            "YYYY-MM-DD",
            "last day of the fitting period",
        ),
        Flag::value(
            "--holdout-end",
            "YYYY-MM-DD",
            "last day of the holdout period (optional)",
        ),
        Flag::value("--horizon-days", "N", "CLV horizon in days").default("365"),
        Flag::value("--discount", "X", "discount rate per period").default("0.01"),
        Flag::value("--period-days", "N", "discounting period in days").default("30"),
        Flag::value("--model", "bgnbd|mbgnbd", "the purchase model").default("bgnbd"),
        Flag::value("--l2", "X", "L2 penalty of both fits").default("0"),
        Flag::value("--output", "FILE", "write the per-customer CSV to FILE"),
        Flag::switch("--force", "replace the --output file if it exists"),
        Flag::value("--delimiter", "C", "field separator: , ; | or tab").default(","),
        Flag::switch("--json", "print one JSON object"),
        cli::QUIET,
    ],
    positional: None,
};

/// The transaction file and its columns.
#[derive(Debug, Clone, PartialEq)]
pub struct LogArgs {
    /// The CSV file.
    pub path: PathBuf,
    /// Customer id column.
    pub customer: String,
    /// Date column.
    pub date: String,
    /// Amount column.
    pub amount: String,
}

/// Parsed command line.
#[derive(Debug, Clone, PartialEq)]
pub struct Args {
    /// The log; `None`: synthetic orders.
    pub log: Option<LogArgs>,
    /// Calibration end (days since 1970-01-01); `None` with the synthetic shop.
    pub calibration_end: Option<i32>,
    /// Holdout end.
    pub holdout_end: Option<i32>,
    /// CLV horizon in days.
    pub horizon_days: f64,
    /// Discount rate per period.
    pub discount: f64,
    /// Discounting period in days.
    pub period_days: f64,
    /// `bgnbd` or `mbgnbd`.
    pub model: String,
    /// L2 penalty.
    pub l2: f64,
    /// Per-customer CSV.
    pub output: Option<PathBuf>,
    /// Replace the output.
    pub force: bool,
    /// Field separator.
    pub delimiter: u8,
    /// Print JSON.
    pub json: bool,
    /// No progress line (`--quiet`).
    pub quiet: bool,
}

fn date_arg(m: &Matches, key: &'static str) -> Result<Option<i32>, Error> {
    m.get(key)
        .map(|s| {
            parse_date(s.trim()).ok_or_else(|| {
                Error::usage(format!(
                    "{key}: {s:?} is not a date (YYYY-MM-DD or YYYYMMDD)"
                ))
            })
        })
        .transpose()
}

fn number(
    m: &Matches,
    key: &'static str,
    ok: impl Fn(f64) -> bool,
    what: &str,
) -> Result<f64, Error> {
    let v: f64 = m.required(key)?;
    if ok(v) {
        Ok(v)
    } else {
        Err(Error::usage(format!("{key} must be {what}, got {v}")))
    }
}

/// Parses the arguments (without the program name).
pub fn parse_args(args: Vec<OsString>) -> Result<Args, Error> {
    let m = CMD.parse(args)?;
    let path: Option<PathBuf> = m.value("--transactions")?;
    let customer: Option<String> = m.value("--customer-col")?;
    let date: Option<String> = m.value("--date-col")?;
    let amount: Option<String> = m.value("--amount-col")?;
    let calibration_end = date_arg(&m, "--calibration-end")?;
    let holdout_end = date_arg(&m, "--holdout-end")?;
    let horizon_days = number(
        &m,
        "--horizon-days",
        |v| (0.0..=36_500.0).contains(&v),
        "a number of days from 0 to 36500",
    )?;
    let discount = number(
        &m,
        "--discount",
        |v| v.is_finite() && (0.0..=10.0).contains(&v),
        "a rate from 0 to 10 per period",
    )?;
    let period_days = number(
        &m,
        "--period-days",
        |v| (1.0..=36_500.0).contains(&v),
        "a number of days from 1 to 36500",
    )?;
    let l2 = number(&m, "--l2", |v| v.is_finite() && v >= 0.0, "finite and ≥ 0")?;
    let model: String = m.required("--model")?;
    if model != "bgnbd" && model != "mbgnbd" {
        return Err(Error::usage(format!(
            "--model must be bgnbd or mbgnbd, got {model:?}"
        )));
    }
    let output: Option<PathBuf> = m.value("--output")?;
    let delimiter = m.required::<Delimiter>("--delimiter")?.0;
    if let (Some(c), Some(h)) = (calibration_end, holdout_end)
        && h <= c
    {
        return Err(Error::usage(format!(
            "--holdout-end ({}) must be after --calibration-end ({})",
            format_date(h),
            format_date(c)
        )));
    }
    let log = match (path, customer, date, amount, calibration_end) {
        (None, None, None, None, None) if holdout_end.is_none() => None,
        (Some(path), Some(customer), Some(date), Some(amount), Some(_)) => Some(LogArgs {
            path,
            customer,
            date,
            amount,
        }),
        _ => {
            return Err(Error::usage(
                "--transactions, --customer-col, --date-col, --amount-col and --calibration-end \
                 go together (all or none; --holdout-end needs them)",
            ));
        }
    };
    if let (Some(out), Some(l)) = (&output, &log) {
        cli::check_output(
            "--output",
            out,
            &[("--transactions", &l.path)],
            m.switch("--force"),
        )?;
    } else if let Some(out) = &output {
        cli::check_output("--output", out, &[], m.switch("--force"))?;
    }
    Ok(Args {
        log,
        calibration_end,
        holdout_end,
        horizon_days,
        discount,
        period_days,
        model,
        l2,
        output,
        force: m.switch("--force"),
        delimiter,
        json: m.switch("--json"),
        quiet: m.switch("--quiet"),
    })
}

/// The calibration summary of the file or of the synthetic shop, with the
/// cut-offs used and a description of the source.
pub fn summary(a: &Args) -> Result<(CustomerBase<Key>, CustomerBaseConfig, String), Error> {
    let (log, customer, date, amount, config, source) = match &a.log {
        Some(l) => {
            cli::check_not_empty("--transactions", &l.path)?;
            if let Some(w) = cli::delimiter_warning(&l.path, a.delimiter) {
                eprintln!("{w}");
            }
            let opts = CsvOptions::default()
                .delimiter(a.delimiter)
                .with_type(&l.customer, ColumnType::Categorical)
                .with_type(&l.date, ColumnType::Date)
                .with_type(&l.amount, ColumnType::Numeric);
            let log = read_csv(&l.path, &opts).map_err(|e| e.to_string())?;
            let name = l.path.display().to_string();
            if log.n_rows() == 0 {
                return Err(Error::failed(format!("{name}: the file has no data rows")));
            }
            let (first, last) = cli::check_dates(&log, &l.date, &name, 1)?;
            let range = format!(
                "{name} runs {} .. {}",
                format_date(first),
                format_date(last)
            );
            let cal = a.calibration_end.unwrap_or(last);
            if cal < first || cal > last {
                return Err(Error::usage(format!(
                    "--calibration-end {} must be within the transaction dates (a calibration \
                     end before the first transaction leaves no customer): {range}",
                    format_date(cal)
                )));
            }
            if let Some(h) = a.holdout_end
                && h > last
            {
                return Err(Error::usage(format!(
                    "--holdout-end {} is after the last transaction date, so the holdout would \
                     count days without data: {range}",
                    format_date(h)
                )));
            }
            let config = CustomerBaseConfig {
                calibration_end: cal,
                holdout_end: a.holdout_end,
            };
            (
                log,
                l.customer.clone(),
                l.date.clone(),
                l.amount.clone(),
                config,
                name,
            )
        }
        None => {
            let shop = ShopConfig::default();
            let generated = generate(&shop).map_err(|e| e.to_string())?;
            let log = generated.orders_table().map_err(|e| e.to_string())?;
            let config = CustomerBaseConfig {
                calibration_end: shop.start_day + 272,
                holdout_end: Some(shop.end_day()),
            };
            (
                log,
                "user_id".to_owned(),
                "date".to_owned(),
                "amount".to_owned(),
                config,
                "synthetic shop orders (ShopConfig::default)".to_owned(),
            )
        }
    };
    let s = CustomerBase::from_table(&log, &customer, &date, &amount, &config)
        .map_err(|e| e.to_string())?;
    Ok((s, config, source))
}

/// Everything the run computed.
pub struct Outcome {
    /// The calibration summary.
    pub summary: CustomerBase<Key>,
    /// Cut-offs.
    pub config: CustomerBaseConfig,
    /// Where the log came from.
    pub source: String,
    /// The purchase model.
    pub bgnbd: FittedBgNbd,
    /// The spend model.
    pub gamma_gamma: FittedGammaGamma,
    /// Seconds of both fits.
    pub fit_seconds: f64,
    /// Per customer: P(alive), expected purchases over the horizon, expected average spend, CLV.
    pub p_alive: Vec<f64>,
    /// Expected purchases over the CLV horizon.
    pub expected: Vec<f64>,
    /// Conditional expected average spend.
    pub spend: Vec<f64>,
    /// CLV.
    pub clv: Vec<f64>,
    /// With a holdout: expected purchases and P(buys again) over the holdout, MAE, RMSE, ROC-AUC.
    pub holdout: Option<HoldoutFit>,
}

/// Holdout predictions and their errors.
pub struct HoldoutFit {
    /// Days in the holdout.
    pub days: f64,
    /// Expected purchase days in the holdout.
    pub expected: Vec<f64>,
    /// P(at least one purchase in the holdout).
    pub p_buys: Vec<f64>,
    /// Mean absolute error of expected vs actual purchase days.
    pub mae: f64,
    /// Root mean squared error.
    pub rmse: f64,
    /// ROC-AUC of `p_buys` against "bought in the holdout" (None: one class only).
    pub roc_auc: Option<f64>,
}

/// Runs the fits and predictions.
pub fn compute(a: &Args) -> Result<Outcome, Error> {
    let (summary, config, source) = summary(a)?;
    let err = |e: user_analytics::analytics::Error| Error::failed(e.to_string());
    let h = CustomerHistories::from_summary(&summary).map_err(err)?;
    let params = if a.model == "mbgnbd" {
        BgNbd::new().modified()
    } else {
        BgNbd::new()
    }
    .l2(a.l2);
    let start = Instant::now();
    let bgnbd = params.fit(&h).map_err(err)?;
    let gamma_gamma = GammaGamma::new()
        .l2(a.l2)
        .fit(h.frequency(), &summary.mean_repeat_spend)
        .map_err(err)?;
    let fit_seconds = start.elapsed().as_secs_f64();
    let p_alive = bgnbd.probability_alive(&h).map_err(err)?;
    let expected = bgnbd.expected_purchases(&h, a.horizon_days).map_err(err)?;
    let spend = gamma_gamma
        .expected_average_spend(h.frequency(), &summary.mean_repeat_spend)
        .map_err(err)?;
    let settings = ClvSettings {
        horizon: a.horizon_days,
        discount_rate: a.discount,
        period: a.period_days,
    };
    let clv = gamma_gamma
        .customer_lifetime_value(&bgnbd, &h, &summary.mean_repeat_spend, &settings)
        .map_err(err)?;
    let holdout = match (config.holdout_end, &summary.holdout_frequency) {
        (Some(end), Some(actual)) => {
            let days = f64::from(end - config.calibration_end);
            let expected = bgnbd.expected_purchases(&h, days).map_err(err)?;
            let p_buys = bgnbd.probability_buys_again(&h, days).map_err(err)?;
            let n = expected.len() as f64;
            let (mut abs, mut sq) = (0.0, 0.0);
            for (e, &y) in expected.iter().zip(actual) {
                let d = e - f64::from(y);
                abs += d.abs();
                sq += d * d;
            }
            let labels: Vec<u8> = actual.iter().map(|&y| u8::from(y > 0)).collect();
            let scores: Vec<f32> = p_buys.iter().map(|&p| p as f32).collect();
            let roc_auc = roc_auc(&labels, &scores).ok();
            Some(HoldoutFit {
                days,
                expected,
                p_buys,
                mae: abs / n,
                rmse: (sq / n).sqrt(),
                roc_auc,
            })
        }
        _ => None,
    };
    Ok(Outcome {
        summary,
        config,
        source,
        bgnbd,
        gamma_gamma,
        fit_seconds,
        p_alive,
        expected,
        spend,
        clv,
        holdout,
    })
}

/// The per-customer table written by `--output`.
pub fn customer_table(o: &Outcome) -> Result<Table, Error> {
    let s = &o.summary;
    let num = |v: Vec<f64>| Column::numeric(v);
    let ids: Vec<String> = s.customers.iter().map(Key::to_string).collect();
    let mut cols = vec![
        ("customer".to_owned(), Column::categorical(&ids)),
        (
            "frequency".to_owned(),
            num(s.frequency.iter().map(|&v| f64::from(v)).collect()),
        ),
        (
            "recency".to_owned(),
            num(s.recency.iter().map(|&v| f64::from(v)).collect()),
        ),
        (
            "T".to_owned(),
            num(s.age.iter().map(|&v| f64::from(v)).collect()),
        ),
        (
            "mean_repeat_spend".to_owned(),
            num(s.mean_repeat_spend.clone()),
        ),
        ("p_alive".to_owned(), num(o.p_alive.clone())),
        ("expected_purchases".to_owned(), num(o.expected.clone())),
        ("expected_average_spend".to_owned(), num(o.spend.clone())),
        ("clv".to_owned(), num(o.clv.clone())),
    ];
    if let (Some(h), Some(actual)) = (&o.holdout, &s.holdout_frequency) {
        cols.push((
            "holdout_purchases".to_owned(),
            num(actual.iter().map(|&v| f64::from(v)).collect()),
        ));
        cols.push((
            "expected_holdout_purchases".to_owned(),
            num(h.expected.clone()),
        ));
        cols.push(("p_buys_again_holdout".to_owned(), num(h.p_buys.clone())));
    }
    Table::new(cols).map_err(|e| Error::failed(e.to_string()))
}

/// Runs the whole example and returns what `main` prints.
pub fn run(a: &Args) -> Result<String, Error> {
    let o = compute(a)?;
    if let Some(path) = &a.output {
        let t = customer_table(&o)?;
        write_csv(&t, path).map_err(|e| Error::failed(e.to_string()))?;
    }
    if !o.bgnbd.convergence.converged || !o.gamma_gamma.convergence.converged {
        eprintln!(
            "clv: warning: a fit did not converge (BG/NBD: {}; Gamma-Gamma: {}); the parameters \
             are the best point found",
            o.bgnbd.convergence.message, o.gamma_gamma.convergence.message
        );
    }
    if a.json {
        return Ok(json(&o, a).to_string());
    }
    Ok(readable(&o, a))
}

fn finite_or_null(v: Option<f64>) -> serde_json::Value {
    v.filter(|x| x.is_finite())
        .map_or(serde_json::Value::Null, serde_json::Value::from)
}

fn json(o: &Outcome, a: &Args) -> serde_json::Value {
    let (b, g) = (&o.bgnbd, &o.gamma_gamma);
    serde_json::json!({
        "customers": o.summary.len(),
        "bgnbd": {
            "r": b.r, "alpha": b.alpha, "a": b.a, "b": b.b,
            "log_likelihood": b.log_likelihood,
            "converged": b.convergence.converged,
            "iterations": b.convergence.iterations,
            "gradient_norm": b.convergence.gradient_norm,
        },
        "gamma_gamma": {
            "p": g.p, "q": g.q, "v": g.v,
            "converged": g.convergence.converged,
            "used": g.report.used,
            "excluded_no_repeat": g.report.excluded_no_repeat,
            "excluded_nonpositive_spend": g.report.excluded_nonpositive_spend,
            "frequency_spend_correlation": finite_or_null(g.report.frequency_spend_correlation),
        },
        "holdout_mae": finite_or_null(o.holdout.as_ref().map(|h| h.mae)),
        "holdout_rmse": finite_or_null(o.holdout.as_ref().map(|h| h.rmse)),
        "roc_auc_buys_again": finite_or_null(o.holdout.as_ref().and_then(|h| h.roc_auc)),
        "fit_seconds": o.fit_seconds,
        "horizon_days": a.horizon_days,
        "discount": a.discount,
        "clv_total": o.clv.iter().sum::<f64>(),
    })
}

fn readable(o: &Outcome, a: &Args) -> String {
    use std::fmt::Write;
    let (s, b, g) = (&o.summary, &o.bgnbd, &o.gamma_gamma);
    let r = &s.report;
    let mut out = String::new();
    let _ = writeln!(out, "transactions: {}", o.source);
    let _ = writeln!(
        out,
        "calibration: up to {}{}",
        format_date(o.config.calibration_end),
        o.config.holdout_end.map_or(String::new(), |h| format!(
            ", holdout: to {}",
            format_date(h)
        ))
    );
    let _ = writeln!(
        out,
        "rows: {} total, {} in calibration, {} in holdout, {} ignored",
        r.rows_total, r.rows_in_calibration, r.rows_in_holdout, r.rows_ignored
    );
    let _ = writeln!(
        out,
        "customers: {} with calibration history ({} with one purchase day only), {} excluded \
         (first purchase after the calibration end)",
        r.customers, r.one_purchase_day, r.customers_excluded
    );
    let name = if b.params.variant == user_analytics::analytics::clv::BgNbdVariant::Modified {
        "MBG/NBD"
    } else {
        "BG/NBD"
    };
    let c = &b.convergence;
    let _ = writeln!(
        out,
        "\n{name} (days): r = {:.4}, alpha = {:.4}, a = {:.4}, b = {:.4}; log-likelihood {:.3}",
        b.r, b.alpha, b.a, b.b, b.log_likelihood
    );
    let _ = writeln!(
        out,
        "  optimiser: {} after {} iterations, gradient norm {:.2e}, {} of {} starts converged",
        if c.converged {
            "converged"
        } else {
            "NOT converged"
        },
        c.iterations,
        c.gradient_norm,
        c.starts_converged,
        c.starts
    );
    let gc = &g.convergence;
    let _ = writeln!(
        out,
        "Gamma-Gamma: p = {:.4}, q = {:.4}, v = {:.4}; log-likelihood {:.3}; {}",
        g.p,
        g.q,
        g.v,
        g.log_likelihood,
        if gc.converged {
            "converged"
        } else {
            "NOT converged"
        }
    );
    let _ = writeln!(
        out,
        "  fitted on {} customers; left out: {} without repeat purchases, {} with mean repeat \
         spend ≤ 0",
        g.report.used, g.report.excluded_no_repeat, g.report.excluded_nonpositive_spend
    );
    let _ = writeln!(
        out,
        "  frequency–spend correlation {} (the model assumes ≈ 0)",
        g.report
            .frequency_spend_correlation
            .map_or("undefined".to_owned(), |v| format!("{v:.3}"))
    );
    let _ = writeln!(out, "fits: {:.3} s", o.fit_seconds);
    if let Some(h) = &o.holdout {
        let actual: u64 = s
            .holdout_frequency
            .as_ref()
            .map_or(0, |v| v.iter().map(|&x| u64::from(x)).sum());
        let _ = writeln!(
            out,
            "\nholdout ({} days): {} purchase days actual, {:.1} expected; MAE {:.4}, RMSE {:.4}, \
             ROC-AUC (buys again) {}",
            h.days,
            actual,
            h.expected.iter().sum::<f64>(),
            h.mae,
            h.rmse,
            h.roc_auc
                .map_or("undefined (one class)".to_owned(), |v| format!("{v:.4}"))
        );
    }
    let total: f64 = o.clv.iter().sum();
    let _ = writeln!(
        out,
        "\nCLV over {} days, {} per {}-day period discount: total {:.2}, mean {:.2} per customer",
        a.horizon_days,
        a.discount,
        a.period_days,
        total,
        total / o.clv.len() as f64
    );
    let mut order: Vec<usize> = (0..o.clv.len()).collect();
    order.sort_by(|&i, &j| o.clv[j].total_cmp(&o.clv[i]));
    let _ = writeln!(
        out,
        "top customers:   customer      x   t_x     T  P(alive)  E[purchases]   spend      CLV"
    );
    for &i in order.iter().take(5) {
        let _ = writeln!(
            out,
            "  {:>22} {:>6} {:>5} {:>5} {:>9.3} {:>13.2} {:>7.2} {:>8.2}",
            s.customers[i].to_string(),
            s.frequency[i],
            s.recency[i],
            s.age[i],
            o.p_alive[i],
            o.expected[i],
            o.spend[i],
            o.clv[i]
        );
    }
    match &a.output {
        Some(p) => {
            let _ = writeln!(out, "per-customer CSV: {}", p.display());
        }
        None => {
            let _ = writeln!(out, "per-customer CSV: not written (pass --output FILE)");
        }
    }
    out
}

fn main() -> ExitCode {
    let args: Vec<OsString> = std::env::args_os().skip(1).collect();
    // Epochs and iterations on one stderr line, on a terminal only.
    match parse_args(args).and_then(|a| with_progress("clv", a.quiet, || run(&a))) {
        Ok(out) => {
            println!("{}", out.trim_end());
            ExitCode::SUCCESS
        }
        Err(Error::Help(h)) => {
            println!("{h}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("clv: error: {e}");
            ExitCode::from(e.code())
        }
    }
}
