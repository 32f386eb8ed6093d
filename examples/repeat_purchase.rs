//! Predicts which customers buy again, from a transaction log.
//!
//! ```text
//! cargo run --release --example repeat_purchase -- --transactions FILE
//!     --customer-col C --date-col D --amount-col A [--quantity-col Q]
//!     --calibration-end YYYY-MM-DD --holdout-end YYYY-MM-DD
//!     [--model mlp|logistic] [--seed 42] [--delimiter ,] [--json]
//! ```
//!
//! `--help` lists the flags with their defaults; usage errors exit with
//! status 2, failures on the data with status 1.
//!
//! Per customer with a transaction on or before the calibration end, RFM
//! features of the calibration period (recency, purchase days,
//! transactions, monetary total, mean order value, quantity, tenure, mean
//! days between purchases); label: the customer bought again in
//! `(calibration end, holdout end]`. Customers are split stratified 80/20
//! with `--seed`; the preprocessing (median imputation, standard scaling)
//! and the model are fitted on the training customers only and evaluated
//! on the others. The model is `mlp` (default, the design document's
//! network seeded with `--seed`) or `logistic`.
//!
//! The date column may hold `YYYY-MM-DD` or `YYYYMMDD`; customer ids are
//! read as text. A missing date or one before 1900 or after 2100 is an
//! error naming its line; `--calibration-end` must lie in the data's date
//! range (before its last day) and `--holdout-end` not after its last day. `--json` prints one JSON object with keys `model,
//! train_rows, test_rows, n_features, accuracy, precision, recall, f1,
//! roc_auc, pr_auc, log_loss, fit_seconds` (rows are customers).
//!
//! Without `--transactions`, the example runs on the orders of a small
//! synthetic shop from `ua-data`'s simulator (calibration: its first 80
//! days, holdout: the remaining 40).

use std::ffi::OsString;
use std::path::PathBuf;
use std::process::ExitCode;

use user_analytics::analytics::prediction::evaluate::{Holdout, HoldoutRun, evaluate_holdout};
use user_analytics::analytics::prediction::{
    LogisticRegression, MlpClassifier, ModelKind, PropensityConfig, RepeatPurchase,
    RepeatPurchaseFeatures,
};
use user_analytics::cli::{self, Command, Delimiter, Error, Flag, Matches};
use user_analytics::data::ColumnType;
use user_analytics::data::csv_io::{CsvOptions, read_csv};
use user_analytics::data::date::{format_date, parse_date};
use user_analytics::data::synth::{ShopConfig, generate};

/// The flags, their defaults and help (`--help` prints them).
pub const CMD: Command = Command {
    name: "repeat_purchase",
    about: "Predicts which customers buy again, from a transaction log (without --transactions: \
            the orders of a synthetic shop). --transactions, --customer-col, --date-col, \
            --amount-col, --calibration-end and --holdout-end go together.",
    flags: &[
        Flag::value(
            "--transactions",
            "FILE",
            "the transaction log (CSV with a header)",
        ),
        Flag::value("--customer-col", "C", "customer id column (read as text)"),
        Flag::value("--date-col", "D", "date column (YYYY-MM-DD or YYYYMMDD)"),
        Flag::value("--amount-col", "A", "amount column"),
        Flag::value("--quantity-col", "Q", "quantity column (optional)"),
        Flag::value(
            "--calibration-end",
            "YYYY-MM-DD",
            "last day of the feature period",
        ),
        Flag::value(
            "--holdout-end",
            "YYYY-MM-DD",
            "last day of the label period",
        ),
        Flag::value("--model", "mlp|logistic", "the classifier").default("mlp"),
        Flag::value("--seed", "N", "seed of the split and the network").default("42"),
        Flag::value("--delimiter", "C", "field separator: , ; | or tab").default(","),
        Flag::switch("--json", "print one JSON object"),
    ],
    positional: None,
};

/// The transaction file and how to read it.
#[derive(Debug, Clone, PartialEq)]
pub struct LogArgs {
    /// The CSV file.
    pub path: PathBuf,
    /// The split and column names (dates as days since 1970-01-01).
    pub spec: RepeatPurchase,
}

/// Parsed command line.
#[derive(Debug, Clone, PartialEq)]
pub struct Args {
    /// The log; `None`: synthetic orders.
    pub log: Option<LogArgs>,
    /// `mlp` or `logistic`.
    pub model: String,
    /// Seed of the split and the network.
    pub seed: u64,
    /// Field separator of the CSV file.
    pub delimiter: u8,
    /// Print JSON.
    pub json: bool,
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

/// Parses the arguments (without the program name).
pub fn parse_args(args: Vec<OsString>) -> Result<Args, Error> {
    let m = CMD.parse(args)?;
    let path: Option<PathBuf> = m.value("--transactions")?;
    let customer: Option<String> = m.value("--customer-col")?;
    let date: Option<String> = m.value("--date-col")?;
    let amount: Option<String> = m.value("--amount-col")?;
    let quantity: Option<String> = m.value("--quantity-col")?;
    let cal = date_arg(&m, "--calibration-end")?;
    let hold = date_arg(&m, "--holdout-end")?;
    let model: String = m.required("--model")?;
    let seed: u64 = m.required("--seed")?;
    let delimiter = m.required::<Delimiter>("--delimiter")?.0;
    let json = m.switch("--json");
    model_kind(&model, seed).map_err(Error::usage)?;
    let log = match (path, customer, date, amount, cal, hold) {
        (None, None, None, None, None, None) if quantity.is_none() => None,
        (Some(path), Some(c), Some(d), Some(a), Some(cal), Some(hold)) => {
            if hold <= cal {
                return Err(Error::usage(format!(
                    "--holdout-end ({}) must be after --calibration-end ({})",
                    format_date(hold),
                    format_date(cal)
                )));
            }
            let mut spec = RepeatPurchase::new(&c, &d, &a, cal, hold);
            if let Some(q) = quantity {
                spec = spec.quantity_col(&q);
            }
            Some(LogArgs { path, spec })
        }
        _ => {
            return Err(Error::usage(
                "--transactions, --customer-col, --date-col, --amount-col, --calibration-end and \
                 --holdout-end go together (all or none)",
            ));
        }
    };
    Ok(Args {
        log,
        model,
        seed,
        delimiter,
        json,
    })
}

/// The classifier for `--model`.
pub fn model_kind(name: &str, seed: u64) -> Result<ModelKind, String> {
    match name {
        "mlp" => Ok(ModelKind::Mlp(MlpClassifier::new().seed(seed))),
        "logistic" => Ok(ModelKind::Logistic(LogisticRegression::new())),
        other => Err(format!("--model must be mlp or logistic, got {other:?}")),
    }
}

/// Builds the per-customer table from the file or the synthetic shop.
pub fn features(a: &Args) -> Result<(RepeatPurchase, RepeatPurchaseFeatures, String), Error> {
    let (spec, log, source) = match &a.log {
        Some(l) => {
            cli::check_not_empty("--transactions", &l.path)?;
            if let Some(w) = cli::delimiter_warning(&l.path, a.delimiter) {
                eprintln!("{w}");
            }
            let opts = CsvOptions::default()
                .delimiter(a.delimiter)
                .with_type(&l.spec.customer_col, ColumnType::Categorical)
                .with_type(&l.spec.date_col, ColumnType::Date)
                .with_type(&l.spec.amount_col, ColumnType::Numeric);
            let opts = match &l.spec.quantity_col {
                Some(q) => opts.with_type(q, ColumnType::Numeric),
                None => opts,
            };
            let log = read_csv(&l.path, &opts).map_err(|e| e.to_string())?;
            if log.n_rows() == 0 {
                return Err(Error::failed(format!(
                    "{}: the file has no data rows",
                    l.path.display()
                )));
            }
            // Implausible dates by line; the cut-offs inside the data's range.
            let name = l.path.display().to_string();
            let (first, last) = cli::check_dates(&log, &l.spec.date_col, &name, 1)?;
            let range = format!(
                "{name} runs {} .. {}",
                format_date(first),
                format_date(last)
            );
            if l.spec.calibration_end < first || l.spec.calibration_end >= last {
                return Err(Error::usage(format!(
                    "--calibration-end {} must be on or after the first and before the last \
                     transaction date: {range}",
                    format_date(l.spec.calibration_end)
                )));
            }
            if l.spec.holdout_end > last {
                return Err(Error::usage(format!(
                    "--holdout-end {} is after the last transaction date, so the label would \
                     count days without data: {range}",
                    format_date(l.spec.holdout_end)
                )));
            }
            (l.spec.clone(), log, l.path.display().to_string())
        }
        None => {
            let config = ShopConfig {
                seed: a.seed,
                ..ShopConfig::small()
            };
            let shop = generate(&config).map_err(|e| e.to_string())?;
            let log = shop.orders_table().map_err(|e| e.to_string())?;
            let cal = config.start_day + 79;
            let spec = RepeatPurchase::new("user_id", "date", "amount", cal, config.end_day())
                .quantity_col("quantity");
            (
                spec,
                log,
                "synthetic shop orders (ShopConfig::small)".to_owned(),
            )
        }
    };
    let f = spec.training_table(&log).map_err(|e| e.to_string())?;
    Ok((spec, f, source))
}

/// Runs the whole protocol and returns what `main` prints.
pub fn run(a: &Args) -> Result<String, Error> {
    let kind = model_kind(&a.model, a.seed).map_err(Error::usage)?;
    let (spec, f, source) = features(a)?;
    let config = spec.propensity_config(kind);
    let run = evaluate_holdout(&config, &f.table, &Holdout::stratified(0.2, a.seed))
        .map_err(|e| e.to_string())?;
    if a.json {
        return serde_json::to_string(&run.evaluation).map_err(|e| Error::failed(e.to_string()));
    }
    Ok(readable(&run, &spec, &config, &f, &source, a.seed))
}

fn readable(
    run: &HoldoutRun,
    spec: &RepeatPurchase,
    config: &PropensityConfig,
    f: &RepeatPurchaseFeatures,
    source: &str,
    seed: u64,
) -> String {
    use std::fmt::Write;
    let e = &run.evaluation;
    let r = &e.report;
    let rep = &f.report;
    let mut o = String::new();
    let _ = writeln!(o, "transactions: {source}");
    let _ = writeln!(
        o,
        "calibration: up to {}, holdout: to {}",
        format_date(spec.calibration_end),
        format_date(spec.holdout_end)
    );
    let _ = writeln!(
        o,
        "rows: {} total, {} in calibration, {} in holdout, {} after the holdout (ignored)",
        rep.rows_total, rep.rows_in_window, rep.rows_in_holdout, rep.rows_ignored
    );
    let _ = writeln!(
        o,
        "customers: {} total, {} with calibration history, {} excluded (first purchase after the calibration end)",
        rep.customers_total, rep.customers, rep.customers_excluded
    );
    let bought = f
        .table
        .boolean(RepeatPurchase::TARGET)
        .map(|c| c.values().iter().filter(|v| **v == Some(true)).count())
        .unwrap_or(0);
    let _ = writeln!(
        o,
        "bought again in the holdout: {bought} of {} customers",
        f.table.n_rows()
    );
    let _ = writeln!(
        o,
        "split: stratified 80/20, seed {seed}: {} training, {} test customers; {} features",
        e.train_rows, e.test_rows, e.n_features
    );
    let _ = writeln!(o, "model: {}, fitted in {:.3} s", e.model, e.fit_seconds);
    let _ = writeln!(o, "\n{e}");
    if r.roc_auc.is_some()
        && let Ok(imp) = run.test_importance(&f.table, config, 5, seed)
    {
        let _ = writeln!(
            o,
            "\nfeatures (drop of test ROC-AUC when shuffled, mean ± sd of 5):"
        );
        for (k, c) in imp.iter().enumerate() {
            let _ = writeln!(
                o,
                "  {:>2}. {:<24} {:+.4} ± {:.4}",
                k + 1,
                c.column,
                c.mean_drop,
                c.std_drop
            );
        }
    }
    o
}

fn main() -> ExitCode {
    let args: Vec<OsString> = std::env::args_os().skip(1).collect();
    match parse_args(args).and_then(|a| run(&a)) {
        Ok(out) => {
            println!("{}", out.trim_end());
            ExitCode::SUCCESS
        }
        Err(Error::Help(h)) => {
            println!("{h}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("repeat_purchase: error: {e}");
            ExitCode::from(e.code())
        }
    }
}
