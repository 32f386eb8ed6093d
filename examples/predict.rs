//! Trains a propensity model on a CSV file and evaluates it on held-out rows.
//!
//! ```text
//! cargo run --release --example predict -- --csv FILE --target COL [--positive VALUE]
//!     [--drop COL,COL] [--text COL,COL] [--model mlp|logistic] [--test-rows FILE]
//!     [--seed 42] [--delimiter ,] [--save FILE [--force]] [--json]
//! ```
//!
//! `--help` lists the flags with their defaults. A usage error exits with
//! status 2, a failure on the data with status 1. `--save` never writes
//! over `--csv` or `--test-rows` (the same file by path or hard link), and
//! replaces an existing file only with `--force`.
//!
//! Protocol:
//!
//! * **Target.** A row is positive when its target equals `--positive`;
//!   without it, the target's `1`/`true`/`yes` values are positive (see
//!   `PropensityConfig`).
//! * **Features.** Every other column not in `--drop`. Numeric columns are
//!   median-imputed and standard-scaled; text columns most-frequent-imputed
//!   and one-hot encoded over the training levels (an unseen level becomes
//!   all zeros). Everything is fitted on the training rows only.
//! * **Split.** Stratified 80/20 with `--seed`; or, with `--test-rows FILE`
//!   (a one-column CSV with a header), the listed 0-based data rows are the
//!   test set and all others train.
//! * **Model.** `mlp` (default): the design document's network, Dense(64,
//!   ReLU) → Dropout(0.5) → Dense(32, ReLU) → Dropout(0.5) → Dense(1,
//!   sigmoid), Adam(1e-3), batch 32, early stopping on 10 % of the training
//!   rows, seeded with `--seed`. `logistic`: L2 logistic regression, C = 1.
//!
//! The report gives the test metrics at threshold 0.5, the confusion matrix
//! and the columns whose shuffling lowers the test ROC-AUC most (permutation
//! importance, 5 shuffles). `--json` prints one JSON object instead, with
//! keys `model, train_rows, test_rows, n_features, accuracy, precision,
//! recall, f1, roc_auc, pr_auc, log_loss, fit_seconds`. `--save FILE` writes
//! the fitted model (pipeline + classifier) as one JSON file.
//!
//! Columns named in `--drop` or `--text` are read as text, so that
//! zero-padded ids (`00042`) are not turned into numbers. A column that is mostly numbers but holds some text is an error naming
//! the line and value (a typo would otherwise turn a numeric column into a
//! text column); `--text COL` keeps such a column as text on purpose.
//!
//! Without `--csv`, the example runs on a small synthetic shop from
//! `ua-data`'s simulator: per user, age, income, city tier, number of views
//! and cart events; target: the user ordered at least once.

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use user_analytics::analytics::prediction::evaluate::{Holdout, HoldoutRun, evaluate_holdout};
use user_analytics::analytics::prediction::{
    FittedClassifier, LogisticRegression, MlpClassifier, ModelKind, PropensityConfig,
};
use user_analytics::cli::{self, Command, Delimiter, Error, Flag};
pub use user_analytics::cli::{parse_test_rows, read_table, read_test_rows};
use user_analytics::data::synth::{EventKind, ShopConfig, generate};
use user_analytics::data::{Column, Table};
use user_analytics::progress::with_progress;
use user_analytics::tensor::persist::Persist;

/// The flags, their defaults and help (`--help` prints them).
pub const CMD: Command = Command {
    name: "predict",
    about: "Trains a propensity model on a CSV file (or, without --csv, a synthetic shop whose \
            target is: the user ordered) and evaluates it on held-out rows.",
    flags: &[
        Flag::value(
            "--csv",
            "FILE",
            "the table, one row per user, with a header",
        ),
        Flag::value("--target", "COL", "target column (required with --csv)"),
        Flag::value(
            "--positive",
            "VALUE",
            "the target's positive value (else 1/true/yes)",
        ),
        Flag::value("--drop", "COL,COL", "columns left out (read as text)"),
        Flag::value(
            "--text",
            "COL,COL",
            "columns kept as text even if they look numeric",
        ),
        Flag::value("--model", "mlp|logistic", "the classifier").default("mlp"),
        Flag::value("--test-rows", "FILE", "one-column CSV of 0-based test rows"),
        Flag::value("--seed", "N", "seed of the split and the network").default("42"),
        Flag::value("--delimiter", "C", "field separator: , ; | or tab").default(","),
        Flag::value("--save", "FILE", "write the fitted model (JSON) to FILE"),
        Flag::switch("--force", "replace the --save file if it exists"),
        Flag::switch("--json", "print one JSON object"),
        cli::QUIET,
    ],
    positional: None,
};

/// Parsed command line.
#[derive(Debug, Clone, PartialEq)]
pub struct Args {
    /// The CSV file; `None`: synthetic data.
    pub csv: Option<PathBuf>,
    /// Target column (required with `--csv`).
    pub target: Option<String>,
    /// Positive value of the target.
    pub positive: Option<String>,
    /// Columns left out.
    pub drop: Vec<String>,
    /// Columns kept as text even if they look numeric.
    pub text: Vec<String>,
    /// `mlp` or `logistic`.
    pub model: String,
    /// File listing the test rows.
    pub test_rows: Option<PathBuf>,
    /// Seed of the split and the network.
    pub seed: u64,
    /// Where to save the model.
    pub save: Option<PathBuf>,
    /// Replace an existing `--save` file.
    pub force: bool,
    /// Field separator of the CSV files.
    pub delimiter: u8,
    /// Print JSON.
    pub json: bool,
    /// No progress line (`--quiet`).
    pub quiet: bool,
}

/// Parses the arguments (without the program name).
pub fn parse_args(args: Vec<OsString>) -> Result<Args, Error> {
    let m = CMD.parse(args)?;
    let a = Args {
        csv: m.value("--csv")?,
        target: m.value("--target")?,
        positive: m.value("--positive")?,
        drop: m.list("--drop"),
        text: m.list("--text"),
        model: m.required("--model")?,
        test_rows: m.value("--test-rows")?,
        seed: m.required("--seed")?,
        save: m.value("--save")?,
        force: m.switch("--force"),
        delimiter: m.required::<Delimiter>("--delimiter")?.0,
        json: m.switch("--json"),
        quiet: m.switch("--quiet"),
    };
    if a.csv.is_some() && a.target.is_none() {
        return Err(Error::usage("--csv needs --target COL"));
    }
    if a.csv.is_none()
        && (a.target.is_some()
            || a.positive.is_some()
            || a.test_rows.is_some()
            || !a.text.is_empty())
    {
        return Err(Error::usage(
            "--target, --positive, --text and --test-rows need --csv FILE",
        ));
    }
    if a.force && a.save.is_none() {
        return Err(Error::usage("--force only applies to --save FILE"));
    }
    model_kind(&a.model, a.seed).map_err(Error::usage)?;
    Ok(a)
}

/// The classifier for `--model`.
pub fn model_kind(name: &str, seed: u64) -> Result<ModelKind, String> {
    match name {
        "mlp" => Ok(ModelKind::Mlp(MlpClassifier::new().seed(seed))),
        "logistic" => Ok(ModelKind::Logistic(LogisticRegression::new())),
        other => Err(format!("--model must be mlp or logistic, got {other:?}")),
    }
}

/// The synthetic data set: one row per user of a small shop.
pub fn synthetic_table(seed: u64) -> Result<Table, String> {
    let shop = generate(&ShopConfig {
        seed,
        ..ShopConfig::small()
    })
    .map_err(|e| e.to_string())?;
    let n = shop.users.len();
    let (mut views, mut carts, mut ordered) = (vec![0.0; n], vec![0.0; n], vec![false; n]);
    let index = |id: u64| usize::try_from(id).ok().and_then(|i| i.checked_sub(1));
    for (&u, &kind) in shop.events.user_id.iter().zip(&shop.events.kind) {
        let Some(i) = index(u).filter(|&i| i < n) else {
            continue;
        };
        match kind {
            EventKind::View => views[i] += 1.0,
            EventKind::Cart => carts[i] += 1.0,
            _ => {}
        }
    }
    for &u in &shop.orders.user_id {
        if let Some(i) = index(u).filter(|&i| i < n) {
            ordered[i] = true;
        }
    }
    let u = &shop.users;
    let tiers: Vec<String> = u.city_tier.iter().map(|t| format!("tier_{t}")).collect();
    Table::new(vec![
        (
            "user_id".into(),
            Column::numeric(u.user_id.iter().map(|&x| x as f64).collect()),
        ),
        (
            "age".into(),
            Column::numeric(u.age.iter().map(|&x| f64::from(x)).collect()),
        ),
        ("income".into(), Column::numeric(u.income.clone())),
        ("city_tier".into(), Column::categorical(&tiers)),
        ("views".into(), Column::numeric(views)),
        ("cart_events".into(), Column::numeric(carts)),
        ("ordered".into(), Column::boolean(ordered)),
    ])
    .map_err(|e| e.to_string())
}

/// Runs the whole protocol and returns what `main` prints.
pub fn run(a: &Args) -> Result<String, Error> {
    let kind = model_kind(&a.model, a.seed).map_err(Error::usage)?;
    // Guards before any work: inputs are files, the output is not an input.
    let mut inputs: Vec<(&str, &Path)> = Vec::new();
    if let Some(p) = &a.csv {
        inputs.push(("--csv", p));
    }
    if let Some(p) = &a.test_rows {
        inputs.push(("--test-rows", p));
    }
    for (flag, p) in &inputs {
        cli::check_input(flag, p)?;
    }
    if let Some(out) = &a.save {
        cli::check_output("--save", out, &inputs, a.force)?;
    }
    let (table, source, mut config) = match &a.csv {
        Some(path) => {
            if let Some(w) = cli::delimiter_warning(path, a.delimiter) {
                eprintln!("{w}");
            }
            let table = read_table(path, &a.text, &a.drop, a.delimiter)?;
            let target = a.target.clone().unwrap_or_default();
            let mut cfg = PropensityConfig::new(target);
            if let Some(p) = &a.positive {
                cfg = cfg.positive(p.clone());
            }
            cfg.drop = a.drop.clone();
            (table, path.display().to_string(), cfg)
        }
        None => {
            let table = synthetic_table(a.seed)?;
            let mut cfg = PropensityConfig::new("ordered");
            cfg.drop = vec!["user_id".into()];
            cfg.drop.extend(a.drop.iter().cloned());
            (table, "synthetic shop (ShopConfig::small)".to_owned(), cfg)
        }
    };
    config.model = kind;
    let holdout = match (&a.test_rows, &a.csv) {
        (Some(file), Some(_)) => Holdout::TestRows(read_test_rows(file, table.n_rows())?),
        _ => Holdout::stratified(0.2, a.seed),
    };
    let run = evaluate_holdout(&config, &table, &holdout).map_err(|e| e.to_string())?;
    if let Some(path) = &a.save {
        run.model.save(path).map_err(|e| e.to_string())?;
    }
    if a.json {
        return serde_json::to_string(&run.evaluation).map_err(|e| Error::failed(e.to_string()));
    }
    Ok(readable(&run, &table, &source, &config, &holdout, a)?)
}

fn readable(
    run: &HoldoutRun,
    table: &Table,
    source: &str,
    config: &PropensityConfig,
    holdout: &Holdout,
    a: &Args,
) -> Result<String, String> {
    use std::fmt::Write;
    let e = &run.evaluation;
    let r = &e.report;
    let s = run.model.summary();
    let mut o = String::new();
    let rule = match &config.positive {
        Some(p) => format!("`{}` == {p:?}", config.target),
        None => format!("`{}` is 1/true/yes", config.target),
    };
    let _ = writeln!(
        o,
        "data: {source}: {} rows, {} columns",
        table.n_rows(),
        table.n_cols()
    );
    let _ = writeln!(o, "target: {rule}");
    let split = match holdout {
        Holdout::TestRows(_) => format!(
            "test rows from {}",
            a.test_rows
                .as_ref()
                .map_or(String::new(), |p| p.display().to_string())
        ),
        Holdout::Stratified {
            test_fraction,
            seed,
        } => {
            format!(
                "stratified {:.0}/{:.0}, seed {seed}",
                100.0 * (1.0 - test_fraction),
                100.0 * test_fraction
            )
        }
    };
    let _ = writeln!(
        o,
        "split: {split}: {} training rows ({} positive), {} test rows ({} positive)",
        e.train_rows, s.n_positive, e.test_rows, r.positives
    );
    let imputed = run.imputed_in_training(table).map_err(|e| e.to_string())?;
    let imputed = if imputed.is_empty() {
        "none".to_owned()
    } else {
        imputed
            .iter()
            .map(|(c, k)| format!("{c} ({k})"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let _ = writeln!(
        o,
        "features: {} from {} columns; training values imputed: {imputed}",
        e.n_features,
        s.input_columns.len()
    );
    let detail = match run.model.model() {
        FittedClassifier::Logistic(m) => {
            format!("{} iterations, converged {}", m.n_iter(), m.converged())
        }
        FittedClassifier::Mlp(m) => {
            let h = m.history();
            format!(
                "{} epochs, best epoch {}{}",
                h.epochs.len(),
                h.best_epoch + 1,
                if h.stopped_early {
                    ", stopped early"
                } else {
                    ""
                }
            )
        }
    };
    let _ = writeln!(
        o,
        "model: {} ({detail}), fitted in {:.3} s",
        e.model, e.fit_seconds
    );
    let _ = writeln!(o, "\n{e}");
    if r.roc_auc.is_some() {
        let imp = run
            .test_importance(table, config, 5, a.seed)
            .map_err(|e| e.to_string())?;
        let _ = writeln!(
            o,
            "\ntop columns (drop of test ROC-AUC when shuffled, mean ± sd of 5):"
        );
        for (k, c) in imp.iter().take(10).enumerate() {
            let _ = writeln!(
                o,
                "  {:>2}. {:<32} {:+.4} ± {:.4}",
                k + 1,
                c.column,
                c.mean_drop,
                c.std_drop
            );
        }
    }
    if let Some(path) = &a.save {
        let _ = writeln!(o, "\nmodel saved to {}", path.display());
    }
    Ok(o)
}

fn main() -> ExitCode {
    let args: Vec<OsString> = std::env::args_os().skip(1).collect();
    // Epochs and iterations on one stderr line, on a terminal only.
    match parse_args(args).and_then(|a| with_progress("predict", a.quiet, || run(&a))) {
        Ok(out) => {
            println!("{}", out.trim_end());
            ExitCode::SUCCESS
        }
        Err(Error::Help(h)) => {
            println!("{h}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("predict: error: {e}");
            ExitCode::from(e.code())
        }
    }
}
