//! Predicts which customers buy again, from a transaction log.
//!
//! ```text
//! cargo run --release --example repeat_purchase -- --transactions FILE
//!     --customer-col C --date-col D --amount-col A [--quantity-col Q]
//!     --calibration-end YYYY-MM-DD --holdout-end YYYY-MM-DD
//!     [--model mlp|logistic|sequence|bag] [--max-events 50] [--seed 42] [--delimiter ,] [--json]
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
//! network seeded with `--seed`) or `logistic` on those features, or one of
//! the two models over each customer's purchase sequence beside them:
//! `sequence` (`SequenceClassifier`: embedding → 1-D convolution → max pool
//! over the customer's last `--max-events` transactions, each with its log
//! amount and log gap in days, concatenated with the RFM features) or `bag`
//! (`BagOfEvents`: the same rows with the order thrown away, a logistic
//! regression). Their vocabulary and static preprocessing are fitted on the
//! training customers only.
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
//! days, holdout: the remaining 40); there the sequence models read the
//! shop's event log instead (views, carts and purchases; token = event type,
//! channels: log gap in days and hour of day).

use std::ffi::OsString;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use ndarray::{ArrayView2, Axis};
use user_analytics::analytics::Predictor;
use user_analytics::analytics::prediction::evaluate::{
    Evaluation, Holdout, HoldoutRun, evaluate_holdout,
};
use user_analytics::analytics::prediction::{
    BagOfEvents, LogisticRegression, MlpClassifier, ModelKind, PropensityConfig, PurchaseSequences,
    RepeatPurchase, RepeatPurchaseFeatures, SequenceClassifier,
};
use user_analytics::analytics::selection::evaluate;
use user_analytics::cli::{self, Command, Delimiter, Error, Flag, Matches};
use user_analytics::data::ColumnType;
use user_analytics::data::Table;
use user_analytics::data::csv_io::{CsvOptions, read_csv};
use user_analytics::data::date::{format_date, parse_date};
use user_analytics::data::features::sequences::{Channel, EventColumns};
use user_analytics::data::synth::{ShopConfig, generate};
use user_analytics::progress::with_progress;

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
        Flag::value("--model", "mlp|logistic|sequence|bag", "the classifier").default("mlp"),
        Flag::value(
            "--max-events",
            "N",
            "sequence/bag: the most recent events kept per customer",
        )
        .default("50"),
        Flag::value("--seed", "N", "seed of the split and the network").default("42"),
        Flag::value("--delimiter", "C", "field separator: , ; | or tab").default(","),
        Flag::switch("--json", "print one JSON object"),
        cli::QUIET,
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
    /// `mlp`, `logistic`, `sequence` or `bag`.
    pub model: String,
    /// Events kept per customer by the sequence models.
    pub max_events: usize,
    /// Seed of the split and the network.
    pub seed: u64,
    /// Field separator of the CSV file.
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
    let max_events: usize = m.required("--max-events")?;
    let seed: u64 = m.required("--seed")?;
    let delimiter = m.required::<Delimiter>("--delimiter")?.0;
    let json = m.switch("--json");
    let quiet = m.switch("--quiet");
    if !SEQUENCE_MODELS.contains(&model.as_str()) {
        model_kind(&model, seed).map_err(Error::usage)?;
    }
    if !(1..=MAX_EVENTS).contains(&max_events) {
        return Err(Error::usage(format!(
            "--max-events must be in 1..={MAX_EVENTS}, got {max_events}"
        )));
    }
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
        max_events,
        seed,
        delimiter,
        json,
        quiet,
    })
}

/// The `--model` values that read purchase sequences.
pub const SEQUENCE_MODELS: [&str; 2] = ["sequence", "bag"];

/// The longest `--max-events`.
pub const MAX_EVENTS: usize = 10_000;

/// The classifier for `--model` (the table models).
pub fn model_kind(name: &str, seed: u64) -> Result<ModelKind, String> {
    match name {
        "mlp" => Ok(ModelKind::Mlp(MlpClassifier::new().seed(seed))),
        "logistic" => Ok(ModelKind::Logistic(LogisticRegression::new())),
        other => Err(format!(
            "--model must be mlp, logistic, sequence or bag, got {other:?}"
        )),
    }
}

/// What the run reads: the split, the per-customer table, where the data
/// came from, and the events the sequence models read.
pub struct Data {
    /// Columns and cut-offs.
    pub spec: RepeatPurchase,
    /// One row per customer with the label.
    pub features: RepeatPurchaseFeatures,
    /// Where the transactions came from.
    pub source: String,
    /// The transaction log, or the synthetic shop's event log.
    pub events: Table,
    /// How `events` become sequences.
    pub sequences: PurchaseSequences,
}

/// Builds the per-customer table from the file or the synthetic shop.
pub fn features(a: &Args) -> Result<Data, Error> {
    let mut sequences = PurchaseSequences {
        max_len: a.max_events,
        ..PurchaseSequences::default()
    };
    let (spec, log, source, events) = match &a.log {
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
            (l.spec.clone(), log, l.path.display().to_string(), None)
        }
        None => {
            let config = ShopConfig {
                seed: a.seed,
                ..ShopConfig::small()
            };
            let shop = generate(&config).map_err(|e| e.to_string())?;
            let log = shop.orders_table().map_err(|e| e.to_string())?;
            let events = shop.events_table().map_err(|e| e.to_string())?;
            sequences.events = Some(EventColumns::new("user_id", "timestamp", &["event"]));
            sequences.channels = vec![Channel::LogGapDays, Channel::HourOfDay];
            let cal = config.start_day + 79;
            let spec = RepeatPurchase::new("user_id", "date", "amount", cal, config.end_day())
                .quantity_col("quantity");
            (
                spec,
                log,
                "synthetic shop orders (ShopConfig::small)".to_owned(),
                Some(events),
            )
        }
    };
    let features = spec.training_table(&log).map_err(|e| e.to_string())?;
    Ok(Data {
        spec,
        features,
        source,
        events: events.unwrap_or(log),
        sequences,
    })
}

/// Fits `--model sequence|bag` on the training customers and evaluates it
/// on the others.
fn evaluate_sequences(a: &Args, d: &Data) -> Result<Evaluation, String> {
    let e = |e: user_analytics::analytics::Error| e.to_string();
    let y = d
        .spec
        .propensity_config(ModelKind::default())
        .labels(&d.features.table)
        .map_err(e)?;
    let (train, test) = Holdout::stratified(0.2, a.seed).split(&y).map_err(e)?;
    let start = Instant::now();
    let seq = d
        .sequences
        .fit(&d.spec, &d.events, &d.features, &train)
        .map_err(e)?;
    let (x, _) = seq
        .rows(&d.events, &d.features, d.spec.calibration_end)
        .map_err(e)?;
    let layout = seq.layout();
    let pick = |rows: &[usize]| {
        (
            x.select(Axis(0), rows),
            rows.iter().map(|&i| y[i]).collect::<Vec<u8>>(),
        )
    };
    let (x_train, y_train) = pick(&train);
    let (x_test, y_test) = pick(&test);
    let model: Box<dyn Predictor<ArrayView2<'_, f32>>> = if a.model == "sequence" {
        Box::new(
            SequenceClassifier::new(layout)
                .seed(a.seed)
                .fit(x_train.view(), &y_train)
                .map_err(e)?,
        )
    } else {
        Box::new(
            BagOfEvents::new(layout)
                .fit(x_train.view(), &y_train)
                .map_err(e)?,
        )
    };
    let fit_seconds = start.elapsed().as_secs_f64();
    let report = evaluate(model.as_ref(), x_test.view(), &y_test).map_err(e)?;
    Ok(Evaluation {
        model: a.model.clone(),
        train_rows: train.len(),
        test_rows: test.len(),
        n_features: layout.n_columns(),
        fit_seconds,
        report,
    })
}

/// Runs the whole protocol and returns what `main` prints.
pub fn run(a: &Args) -> Result<String, Error> {
    let d = features(a)?;
    if SEQUENCE_MODELS.contains(&a.model.as_str()) {
        let ev = evaluate_sequences(a, &d)?;
        if a.json {
            return serde_json::to_string(&ev).map_err(|e| Error::failed(e.to_string()));
        }
        let mut o = header(&d, a.seed, &ev);
        let _ = std::fmt::Write::write_fmt(
            &mut o,
            format_args!(
                "sequences: the last {} events per customer ({}), beside the RFM features\n\n{ev}",
                d.sequences.max_len,
                if d.sequences.events.is_some() {
                    "the shop's event log"
                } else {
                    "the transactions"
                }
            ),
        );
        return Ok(o);
    }
    let kind = model_kind(&a.model, a.seed).map_err(Error::usage)?;
    let config = d.spec.propensity_config(kind);
    let run = evaluate_holdout(
        &config,
        &d.features.table,
        &Holdout::stratified(0.2, a.seed),
    )
    .map_err(|e| e.to_string())?;
    if a.json {
        return serde_json::to_string(&run.evaluation).map_err(|e| Error::failed(e.to_string()));
    }
    Ok(readable(&run, &d, &config, a.seed))
}

/// The lines every model prints first: data, split, model and fit time.
fn header(d: &Data, seed: u64, e: &Evaluation) -> String {
    use std::fmt::Write;
    let (spec, f) = (&d.spec, &d.features);
    let rep = &f.report;
    let mut o = String::new();
    let _ = writeln!(o, "transactions: {}", d.source);
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
    o
}

/// The table models' report: the header, the metrics and what drives them.
fn readable(run: &HoldoutRun, d: &Data, config: &PropensityConfig, seed: u64) -> String {
    use std::fmt::Write;
    let e = &run.evaluation;
    let mut o = header(d, seed, e);
    let _ = writeln!(o, "\n{e}");
    if e.report.roc_auc.is_some()
        && let Ok(imp) = run.test_importance(&d.features.table, config, 5, seed)
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
    // Epochs and iterations on one stderr line, on a terminal only.
    match parse_args(args).and_then(|a| with_progress("repeat_purchase", a.quiet, || run(&a))) {
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
