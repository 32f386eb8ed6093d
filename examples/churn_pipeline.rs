//! The adoption test: the realistic churn task end to end through the
//! traits — read a table of users, a preprocessing pipeline with one step
//! of our own, logistic regression and the MLP cross-validated, the better
//! one evaluated on a holdout, saved as one file, loaded, new users scored
//! with their ids, customers segmented from a transaction log.
//!
//! ```text
//! cargo run --release --example churn_pipeline                       # the synthetic shop
//! cargo run --release --example churn_pipeline -- --csv users.csv --target churn \
//!     --id-col user_id [--positive yes] [--out DIR [--force]] [--seed 42] [--delimiter ,] [--json]
//! ```
//!
//! `--help` lists the flags with their defaults; usage errors exit with
//! status 2, failures with status 1. Existing `model.json` / `scores.csv`
//! in `--out` are replaced only with `--force`, and never when one of them
//! is the `--csv` input.
//!
//! Without `--csv` it builds a user table from the synthetic shop of
//! `ua-data` (seed `--seed`): behaviour before a cut-off 60 days before
//! the end of the log (orders, spend, days since the last order — missing
//! for users who never ordered —, demographics) and the label `churned` =
//! no order in those last 60 days; it also segments the shop's customers by
//! RFM. Files go to `--out` (default `target/churn_pipeline/`): the model
//! (`model.json`) and the holdout users' scores with their ids
//! (`scores.csv`). `--json` prints one summary object.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use serde::{Deserialize, Serialize};
use serde_json::json;
use user_analytics::cli::{self, Command, Delimiter, Error, Flag};
use user_analytics::data::typetag; // `#[typetag::serde]` below expands to `typetag::` paths
use user_analytics::prelude::*;

// ---- the user-facing code: as short as the scikit-learn version ----------

/// Our own preprocessing step: spend per order (0 for users without one). It
/// learns nothing, so the fitted type is the whole step (`Stateless` below).
#[derive(Debug, Clone, Serialize, Deserialize)]
struct SpendPerOrder;

impl Transform for SpendPerOrder {
    fn transform(&self, t: &Table) -> user_analytics::data::Result<Table> {
        let (spend, orders) = (t.numeric("spend")?.values(), t.numeric("orders")?.values());
        let ratio = spend.iter().zip(orders);
        let ratio = ratio.map(|(s, o)| if *o > 0.0 { s / o } else { 0.0 });
        t.clone()
            .with_column("spend_per_order", Column::numeric(ratio.collect()))
    }
}

#[typetag::serde(name = "churn_pipeline/spend-per-order")]
impl FittedStep for SpendPerOrder {}

fn churn(users: &Table, target: &str, id: &str, a: &Args) -> AnyResult<Summary> {
    let y = binary_labels(users, target, a.positive.as_deref())?;
    let ((train, y_train), (test, y_test)) =
        TrainTestSplit::new(0.2, a.seed).split_table_stratified(users, &y)?;

    // The automatic recipe (impute, scale, one-hot); spend and orders go
    // through our step first, then median imputation and scaling.
    let ours = ["spend", "orders"];
    let prep = if ours.iter().all(|c| users.has_column(c)) {
        let ours_then_scale = Chain::new(Stateless(SpendPerOrder)).then(NumericSteps::default());
        ColumnTransformer::auto(users, Some(target), &[id, "spend", "orders"])?
            .step(&ours, ours_then_scale)
    } else {
        ColumnTransformer::auto(users, Some(target), &[id])?
    };
    let prep = prep.id_column(id); // returned with the scores, never a feature
    let pipe = |model| Pipeline::new(prep.clone(), model).exclude(&[target]);
    let candidates = [
        pipe(ModelKind::Logistic(LogisticRegression::new())),
        pipe(ModelKind::Mlp(MlpClassifier::new().seed(a.seed))),
    ];
    // 5-fold CV of both on the training rows (preprocessing refitted per fold),
    // the better one refitted on all training rows.
    let search = grid_search(&candidates, &train, &y_train, 5, a.seed, Metric::RocAuc)?;
    let holdout = evaluate(&search.best_model, &test, &y_test)?;

    // One file; loaded back, it scores new users with their ids.
    std::fs::create_dir_all(&a.out)?;
    let path = a.out.join("model.json");
    search.best_model.save(&path)?;
    let loaded = FittedPipeline::<ColumnTransformer, ModelKind>::load(&path)?;
    let scores = loaded.score_table(&test, "p_churn")?;
    write_csv(&scores, a.out.join("scores.csv"))?;
    Ok((search, holdout, scores))
}

fn segment(orders: &Table, seed: u64) -> AnyResult<SegmentProfiles> {
    let config = default_as_of(orders, "day")?.rfm_config();
    let rfm = RfmFeatures::from_table(orders, "user", "day", "amount", None, &config)?;
    let model = RfmKMeans::fit(&rfm, &KMeans::new(4).seed(seed))?; // log-RFM, standardised
    let names = ["largest", "second", "third", "smallest"];
    Ok(SegmentProfiles::from_rfm(&rfm, model.labels(), &names)?)
}

// ---- plumbing: arguments, the synthetic shop, printing -------------------

type AnyResult<T> = Result<T, Box<dyn std::error::Error>>;

/// The grid search over both pipelines, the chosen one's holdout report,
/// and the holdout users' scores with their ids.
type Summary = (
    GridSearch<
        Pipeline<ColumnTransformer, ModelKind>,
        FittedPipeline<ColumnTransformer, ModelKind>,
    >,
    ClassificationReport,
    Table,
);

/// The flags, their defaults and help (`--help` prints them).
pub const CMD: Command = Command {
    name: "churn_pipeline",
    about: "Churn end to end: a user table (a CSV, or without --csv the synthetic shop), \
            preprocessing, logistic regression and an MLP cross-validated, the better one \
            evaluated on a holdout, saved, loaded and used to score users with their ids.",
    flags: &[
        Flag::value("--csv", "FILE", "the user table (CSV with a header)"),
        Flag::value("--target", "COL", "target column (required with --csv)"),
        Flag::value(
            "--id-col",
            "COL",
            "user id column, read as text (required with --csv)",
        ),
        Flag::value(
            "--positive",
            "V",
            "the target's positive value (else 1/true/yes)",
        ),
        Flag::value("--out", "DIR", "where model.json and scores.csv go")
            .default("target/churn_pipeline"),
        Flag::switch(
            "--force",
            "replace model.json and scores.csv in --out if they exist",
        ),
        Flag::value(
            "--seed",
            "N",
            "seed of the split, the folds and the network",
        )
        .default("42"),
        Flag::value("--delimiter", "C", "field separator of --csv: , ; | or tab").default(","),
        Flag::switch("--json", "print one JSON summary object"),
    ],
    positional: None,
};

pub struct Args {
    csv: Option<String>,
    target: Option<String>,
    id_col: Option<String>,
    positive: Option<String>,
    out: PathBuf,
    force: bool,
    delimiter: u8,
    seed: u64,
    json: bool,
}

pub fn parse_args(args: Vec<std::ffi::OsString>) -> Result<Args, Error> {
    let m = CMD.parse(args)?;
    let args = Args {
        csv: m.value("--csv")?,
        target: m.value("--target")?,
        id_col: m.value("--id-col")?,
        positive: m.value("--positive")?,
        out: m.required("--out")?,
        force: m.switch("--force"),
        delimiter: m.required::<Delimiter>("--delimiter")?.0,
        seed: m.required("--seed")?,
        json: m.switch("--json"),
    };
    if args.csv.is_some() && (args.target.is_none() || args.id_col.is_none()) {
        return Err(Error::usage("--csv needs --target COL and --id-col COL"));
    }
    if args.csv.is_none()
        && (args.target.is_some() || args.id_col.is_some() || args.positive.is_some())
    {
        return Err(Error::usage(
            "--target, --id-col and --positive need --csv FILE",
        ));
    }
    Ok(args)
}

/// The guards before any work: `--csv` is a file, `--out` is not a file,
/// and the two outputs neither overwrite the input nor (without `--force`)
/// an existing file.
fn check_paths(a: &Args) -> Result<(), Error> {
    let mut inputs: Vec<(&str, &Path)> = Vec::new();
    if let Some(csv) = &a.csv {
        cli::check_input("--csv", Path::new(csv))?;
        inputs.push(("--csv", Path::new(csv)));
    }
    if a.out.exists() && !a.out.is_dir() {
        return Err(Error::usage(format!(
            "--out {} is a file, expected a directory",
            a.out.display()
        )));
    }
    for name in ["model.json", "scores.csv"] {
        cli::check_output("--out", &a.out.join(name), &inputs, a.force)?;
    }
    Ok(())
}

/// Users of the synthetic shop: behaviour up to 60 days before the end of
/// the log, and whether they ordered in those last 60 days. Also the order log.
fn synthetic(seed: u64) -> AnyResult<(Table, Table)> {
    let config = ShopConfig {
        seed,
        ..ShopConfig::default()
    };
    let shop = generate(&config)?;
    let cutoff = config.end_day() - 60;
    let n = shop.users.len();
    let (mut orders, mut spend, mut last, mut later) =
        (vec![0.0; n], vec![0.0; n], vec![None; n], vec![false; n]);
    let o = &shop.orders;
    for i in 0..o.len() {
        let u = o.user_id[i] as usize - 1; // ids are index + 1
        if o.day[i] < cutoff {
            orders[u] += 1.0;
            spend[u] += o.amount[i];
            last[u] = last[u].max(Some(o.day[i]));
        } else {
            later[u] = true;
        }
    }
    let u = &shop.users;
    let users = Table::new(vec![
        (
            "user_id".into(),
            Column::categorical(
                &u.user_id
                    .iter()
                    .map(|i| format!("u{i}"))
                    .collect::<Vec<_>>(),
            ),
        ),
        (
            "age".into(),
            Column::numeric(u.age.iter().map(|&a| f64::from(a)).collect()),
        ),
        ("income".into(), Column::numeric(u.income.clone())),
        (
            "city_tier".into(),
            Column::categorical(
                &u.city_tier
                    .iter()
                    .map(|t| format!("tier_{t}"))
                    .collect::<Vec<_>>(),
            ),
        ),
        ("orders".into(), Column::numeric(orders)),
        ("spend".into(), Column::numeric(spend)),
        (
            "days_since_order".into(),
            Column::numeric_opt(
                last.iter()
                    .map(|d| d.map(|d| f64::from(cutoff - d)))
                    .collect(),
            ),
        ),
        (
            "churned".into(),
            Column::boolean(later.iter().map(|&b| !b).collect()),
        ),
    ])?;
    let log = Table::new(vec![
        (
            "user".into(),
            Column::numeric(o.user_id.iter().map(|&u| u as f64).collect()),
        ),
        ("day".into(), Column::date(o.day.clone())),
        ("amount".into(), Column::numeric(o.amount.clone())),
    ])?;
    Ok((users, log))
}

/// Runs the whole task and prints the report (or the `--json` object).
pub fn run(a: &Args) -> AnyResult<()> {
    let (text, _) = report(a)?;
    println!("{text}");
    Ok(())
}

/// The report as text (or the JSON object as text with `--json`) and the
/// JSON summary.
pub fn report(a: &Args) -> AnyResult<(String, serde_json::Value)> {
    use std::fmt::Write;
    check_paths(a)?;
    let (users, log) = match &a.csv {
        Some(path) => {
            if let Some(w) = cli::delimiter_warning(Path::new(path), a.delimiter) {
                eprintln!("{w}");
            }
            let id = a.id_col.as_deref().unwrap_or_default();
            (
                read_csv(
                    path,
                    &CsvOptions::default()
                        .delimiter(a.delimiter)
                        .with_type(id, ColumnType::Categorical),
                )?,
                None,
            )
        }
        None => synthetic(a.seed).map(|(u, l)| (u, Some(l)))?,
    };
    let target = a.target.as_deref().unwrap_or("churned");
    let id = a.id_col.as_deref().unwrap_or("user_id");
    let (search, holdout, scores) = churn(&users, target, id, a)?;
    let segments = log.map(|l| segment(&l, a.seed)).transpose()?;
    let best = search.best();
    let cv: Vec<_> = search
        .results
        .iter()
        .map(|c| json!({"model": c.params.classifier.name(), "cv": c.cv}))
        .collect();
    let summary = json!({"users": users.n_rows(), "cross_validation": cv, "chosen": best.params.classifier.name(),
        "holdout": holdout, "scored": scores.n_rows(),
        "segments": segments});
    if a.json {
        return Ok((summary.to_string(), summary));
    }
    let mut o = String::new();
    writeln!(
        o,
        "{} users, {} input columns; features: {}",
        users.n_rows(),
        users.n_cols(),
        search.best_model.feature_names().join(", ")
    )?;
    for c in &search.results {
        writeln!(o, "5-fold CV {:<8} {}", c.params.classifier.name(), c.cv)?;
    }
    writeln!(
        o,
        "chosen: {} (best mean ROC-AUC); on the held-out 20 %:\n{}",
        best.params.classifier.name(),
        holdout
    )?;
    writeln!(
        o,
        "model saved and loaded back: {}; scores of {} users with their ids in {}",
        a.out.join("model.json").display(),
        scores.n_rows(),
        a.out.join("scores.csv").display()
    )?;
    writeln!(o, "{}", scores.to_pretty_string(5))?;
    if let Some(profiles) = segments {
        writeln!(
            o,
            "customer segments (k-means on log RFM, k = 4, by size):\n{profiles}"
        )?;
    }
    Ok((o, summary))
}

fn main() -> ExitCode {
    let args = std::env::args_os().skip(1).collect();
    let a = match parse_args(args) {
        Ok(a) => a,
        Err(Error::Help(h)) => {
            println!("{h}");
            return ExitCode::SUCCESS;
        }
        Err(e) => {
            eprintln!("churn_pipeline: error: {e}");
            return ExitCode::from(e.code());
        }
    };
    match run(&a) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            let code = e.downcast_ref::<Error>().map_or(1, Error::code);
            eprintln!("churn_pipeline: error: {e}");
            ExitCode::from(code)
        }
    }
}
