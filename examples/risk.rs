//! Scores the rows of a CSV file for risk (fraud, abuse, bad credit) and,
//! when a label says which rows were bad, measures how well the scores
//! find them at a review budget.
//!
//! ```text
//! cargo run --release --example risk -- --csv FILE [--label COL [--positive VALUE]]
//!     [--drop COL,COL] [--text COL,COL] [--id-col COL]
//!     [--model iforest|autoencoder|supervised|combined] [--classifier logistic|mlp]
//!     [--budget 0.1] [--test-rows FILE] [--seed 42] [--top 10] [--delimiter ,] [--json]
//! ```
//!
//! Protocol:
//!
//! * **Features.** Every column but the label, the id and `--drop`.
//!   Numeric columns are median-imputed and standard-scaled, text columns
//!   one-hot encoded (`ColumnTransformer::auto`; identifier-like columns
//!   are left out and listed), fitted on the training rows only. Imputed
//!   values are counted in the report.
//! * **Split.** With `--label`: the rows of `--test-rows FILE` (0-based data
//!   rows, one per line after a header) are the test rows and all others
//!   train; without it, a stratified 80/20 split seeded with `--seed`.
//!   Without a label, every row not in `--test-rows` trains and the test
//!   rows (by default: all rows) are scored.
//! * **Models.** `iforest`: an isolation forest (100 trees, ψ = 256),
//!   unsupervised. `autoencoder`: a bottleneck network's reconstruction
//!   error (`risk::Autoencoder` defaults, early stopping on 10 % of the
//!   training rows), unsupervised. `supervised`: the `--classifier` (L2 logistic
//!   regression, or the design network) with balanced class weights, on the
//!   label (required). `combined` (default): the rank average of the
//!   isolation forest and the supervised model with a label, of the
//!   isolation forest and robust z-scores without one (quantiles among the
//!   training rows' scores). Unsupervised models never see the label; it
//!   only evaluates them.
//! * **Evaluation** (with a label): ROC-AUC, PR-AUC (average precision), and
//!   the precision and recall when the top ⌈budget · test rows⌉ test rows
//!   are flagged (ties in row order). `--json` prints the keys `model,
//!   rows, test_rows, roc_auc, pr_auc, budget, flagged,
//!   precision_at_budget, recall_at_budget, fit_seconds, score_seconds`
//!   (and `features`, `imputed_values`, `duplicate_ids`).
//! * **Without a label**: the `--top` highest-scored rows of the flagged
//!   ⌈budget · rows⌉, with their ids (or file lines) and the features that
//!   made them stand out (the isolation forest's isolating features, the
//!   autoencoder's worst-reconstructed features, else
//!   the largest robust z-scores).
//!
//! Without `--csv`, it runs on the synthetic shop's customers: behaviour
//! velocity features from their orders (`ua_data::features::velocity`),
//! labelled with the fraudsters the simulator planted.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use ua_analytics::ndarray::{Array2, ArrayView2, Axis};
use ua_analytics::prediction::evaluate::Holdout;
use ua_analytics::prediction::{ClassWeight, LogisticRegression, MlpClassifier};
use ua_analytics::risk::{
    Autoencoder, BudgetEvaluation, Combined, FittedIsolationForest, IsolationForest, RobustZ,
    Supervised, evaluate_at_budget, flagged_rows,
};
use ua_analytics::{Classifier, Detector, RiskScorer};
use ua_data::features::velocity::{VelocityConfig, VelocityFeatures};
use ua_data::labels::binary_labels;
use ua_data::pipeline::ColumnTransformer;
use ua_data::synth::{ShopConfig, generate};
use ua_data::{Column, Table};
use user_analytics::cli::{self, Command, Delimiter, Error, Flag, read_table, read_test_rows};
use user_analytics::progress::with_progress;

/// The flags, their defaults and help (`--help` prints them).
pub const CMD: Command = Command {
    name: "risk",
    about: "Scores rows for risk and, with a label, measures precision and recall at a review \
            budget (without --csv: the synthetic shop's planted fraudsters).",
    flags: &[
        Flag::value(
            "--csv",
            "FILE",
            "the table, one row per account, with a header",
        ),
        Flag::value(
            "--label",
            "COL",
            "0/1 (or --positive) column of known bad rows",
        ),
        Flag::value(
            "--positive",
            "VALUE",
            "the label's bad value (else 1/true/yes)",
        ),
        Flag::value("--drop", "COL,COL", "columns left out (read as text)"),
        Flag::value(
            "--text",
            "COL,COL",
            "columns kept as text even if they look numeric",
        ),
        Flag::value("--id-col", "COL", "row identifier, shown with the top rows"),
        Flag::value(
            "--model",
            "iforest|autoencoder|supervised|combined",
            "the scorer",
        )
        .default("combined"),
        Flag::value("--classifier", "logistic|mlp", "the supervised model").default("logistic"),
        Flag::value(
            "--budget",
            "SHARE",
            "share of rows a review team checks, in (0, 1]",
        )
        .default("0.1"),
        Flag::value("--test-rows", "FILE", "one-column CSV of 0-based test rows"),
        Flag::value("--seed", "N", "seed of the split and the models").default("42"),
        Flag::value("--top", "N", "rows listed without a label").default("10"),
        Flag::value("--delimiter", "C", "field separator: , ; | or tab").default(","),
        Flag::switch("--json", "print one JSON object"),
        cli::QUIET,
    ],
    positional: None,
};

/// Parsed command line.
#[derive(Debug, Clone, PartialEq)]
pub struct Args {
    /// The CSV file; `None`: the synthetic shop.
    pub csv: Option<PathBuf>,
    /// Label column.
    pub label: Option<String>,
    /// The label's positive value.
    pub positive: Option<String>,
    /// Columns left out.
    pub drop: Vec<String>,
    /// Columns kept as text.
    pub text: Vec<String>,
    /// Id column.
    pub id_col: Option<String>,
    /// The scorer.
    pub model: Model,
    /// The supervised classifier.
    pub classifier: String,
    /// Share of rows flagged.
    pub budget: f64,
    /// File listing the test rows.
    pub test_rows: Option<PathBuf>,
    /// Seed of the split and the models.
    pub seed: u64,
    /// Rows listed without a label.
    pub top: usize,
    /// Field separator.
    pub delimiter: u8,
    /// Print JSON.
    pub json: bool,
    /// No progress line (`--quiet`).
    pub quiet: bool,
}

/// The `--model` choices.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Model {
    /// Isolation forest.
    IsolationForest,
    /// Autoencoder reconstruction error.
    Autoencoder,
    /// A classifier on the label.
    Supervised,
    /// Rank average of the forest and the classifier (or robust z).
    Combined,
}

impl Model {
    fn name(self) -> &'static str {
        match self {
            Model::IsolationForest => "iforest",
            Model::Autoencoder => "autoencoder",
            Model::Supervised => "supervised",
            Model::Combined => "combined",
        }
    }
}

/// Parses the arguments (without the program name).
pub fn parse_args(args: Vec<std::ffi::OsString>) -> Result<Args, Error> {
    let m = CMD.parse(args)?;
    let model = match m.required::<String>("--model")?.as_str() {
        "iforest" => Model::IsolationForest,
        "autoencoder" => Model::Autoencoder,
        "supervised" => Model::Supervised,
        "combined" => Model::Combined,
        other => {
            return Err(Error::usage(format!(
                "--model must be iforest, autoencoder, supervised or combined, got {other:?}"
            )));
        }
    };
    let a = Args {
        csv: m.value("--csv")?,
        label: m.value("--label")?,
        positive: m.value("--positive")?,
        drop: m.list("--drop"),
        text: m.list("--text"),
        id_col: m.value("--id-col")?,
        model,
        classifier: m.required("--classifier")?,
        budget: m.required("--budget")?,
        test_rows: m.value("--test-rows")?,
        seed: m.required("--seed")?,
        top: m.required("--top")?,
        delimiter: m.required::<Delimiter>("--delimiter")?.0,
        json: m.switch("--json"),
        quiet: m.switch("--quiet"),
    };
    if !(a.budget > 0.0 && a.budget <= 1.0) {
        return Err(Error::usage(format!(
            "--budget must be a share in (0, 1], got {}",
            a.budget
        )));
    }
    if !["logistic", "mlp"].contains(&a.classifier.as_str()) {
        return Err(Error::usage(format!(
            "--classifier must be logistic or mlp, got {:?}",
            a.classifier
        )));
    }
    if a.csv.is_none()
        && (a.label.is_some()
            || a.positive.is_some()
            || a.id_col.is_some()
            || a.test_rows.is_some()
            || !a.text.is_empty())
    {
        return Err(Error::usage(
            "--label, --positive, --id-col, --text and --test-rows need --csv FILE",
        ));
    }
    if a.positive.is_some() && a.label.is_none() {
        return Err(Error::usage("--positive needs --label COL"));
    }
    if a.csv.is_some() && a.label.is_none() && a.model == Model::Supervised {
        return Err(Error::usage(
            "--model supervised needs --label COL (the known bad rows to learn from)",
        ));
    }
    Ok(a)
}

/// The synthetic shop's customers: velocity features and the planted
/// fraud label `is_fraud`.
pub fn synthetic_table(seed: u64) -> Result<Table, String> {
    let shop = generate(&ShopConfig {
        seed,
        n_users: 3_000,
        ..ShopConfig::small()
    })
    .map_err(|e| e.to_string())?;
    let o = &shop.orders;
    let as_of = o
        .timestamp
        .iter()
        .max()
        .copied()
        .ok_or("the shop has no orders")?;
    // Synthetic ids are 1..=n_users, so they fit an i64 (what tables hold).
    let users: Vec<i64> = o.user_id.iter().map(|&u| u as i64).collect();
    let f = VelocityFeatures::compute(
        &users,
        &o.timestamp,
        &o.amount,
        &[],
        &VelocityConfig::at(as_of),
    )
    .map_err(|e| e.to_string())?;
    let fraud: Vec<bool> = f
        .customers
        .iter()
        .map(|&u| shop.users.is_fraud[u as usize - 1]) // ids are index + 1
        .collect();
    let mut table = f.to_table("user_id").map_err(|e| e.to_string())?;
    table
        .add_column("is_fraud", Column::boolean(fraud))
        .map_err(|e| e.to_string())?;
    Ok(table)
}

/// What the run found, for either output.
struct Outcome {
    source: String,
    model: Model,
    rows: usize,
    train_rows: usize,
    features: Vec<String>,
    excluded: Vec<String>,
    imputed: Vec<(String, usize)>,
    duplicate_ids: usize,
    fit_seconds: f64,
    score_seconds: f64,
    notes: Vec<String>,
    result: Evaluated,
}

/// A listed row: its id (or file line), its score, and its strongest features.
type TopRow = (String, f32, Vec<(String, f32)>);

enum Evaluated {
    /// With a label: the test-row evaluation.
    Labelled(BudgetEvaluation),
    /// Without: the flagged count and the top rows (place, score, reasons).
    Top {
        scored: usize,
        flagged: usize,
        why: &'static str,
        rows: Vec<TopRow>,
    },
}

type Scorer = Box<dyn for<'a> RiskScorer<ArrayView2<'a, f32>>>;

/// A supervised scorer of `classifier` on the training rows.
fn supervised<C: Classifier>(
    c: &C,
    x: ArrayView2<'_, f32>,
    y: &[u8],
) -> Result<Supervised<C::Fitted>, String> {
    c.fit(x, y).map(Supervised).map_err(|e| e.to_string())
}

/// Explains rows of the scoring matrix: per row, (feature, weight) pairs.
type Explain = Box<dyn Fn(ArrayView2<'_, f32>) -> ua_analytics::Result<Vec<Vec<(usize, f32)>>>>;

/// A fitted scorer, how its own model explains a row (when it can), and
/// notes about the fit (a clamped ψ, how training stopped).
struct FittedScorer {
    scorer: Scorer,
    explain: Option<(&'static str, Explain)>,
    notes: Vec<String>,
}

/// A fitted scorer shared with its explanation.
struct Shared<M>(std::sync::Arc<M>);

impl<X, M: RiskScorer<X>> RiskScorer<X> for Shared<M> {
    fn risk_score(&self, x: X) -> ua_analytics::Result<ua_analytics::ndarray::Array1<f32>> {
        self.0.risk_score(x)
    }
}

/// Any unsupervised model through the [`Detector`] trait.
fn detect<D: Detector>(d: &D, x: ArrayView2<'_, f32>) -> Result<D::Fitted, String> {
    d.fit(x).map_err(|e| e.to_string())
}

fn forest_notes(f: &FittedIsolationForest) -> Vec<String> {
    let r = f.report();
    (r.sample_size < r.sample_size_requested)
        .then(|| {
            format!(
                "ψ = {} was clamped to the {} training rows",
                r.sample_size_requested, r.sample_size
            )
        })
        .into_iter()
        .collect()
}

/// Fits the chosen scorer on the training rows.
fn fit_scorer(a: &Args, x: ArrayView2<'_, f32>, y: Option<&[u8]>) -> Result<FittedScorer, String> {
    let forest = || detect(&IsolationForest::new().seed(a.seed), x);
    let logistic = LogisticRegression::new().class_weight(ClassWeight::Balanced);
    let mlp = MlpClassifier::new()
        .seed(a.seed)
        .class_weight(ClassWeight::Balanced);
    let combine = |e: ua_analytics::Error| e.to_string();
    let isolated = "features that isolated the row (share of trees)";
    let with_forest = |scorer: Scorer, f: FittedIsolationForest, explain: bool| FittedScorer {
        scorer,
        notes: forest_notes(&f),
        explain: explain.then(|| {
            let e: Explain = Box::new(move |rows| f.explain(rows, 3));
            (isolated, e)
        }),
    };
    let plain = |scorer: Scorer| FittedScorer {
        scorer,
        explain: None,
        notes: Vec::new(),
    };
    Ok(match (a.model, y, a.classifier.as_str()) {
        (Model::IsolationForest, _, _) => {
            let f = forest()?;
            with_forest(Box::new(f.clone()), f, true)
        }
        (Model::Autoencoder, _, _) => {
            let ae = detect(&Autoencoder::new().seed(a.seed), x)?;
            let note = format!("autoencoder: {}", ae.report());
            let ae = std::sync::Arc::new(ae);
            let explain_with = std::sync::Arc::clone(&ae);
            let e: Explain = Box::new(move |rows| explain_with.explain(rows, 3));
            FittedScorer {
                scorer: Box::new(Shared(ae)),
                explain: Some(("features reconstructed worst (squared error, scaled)", e)),
                notes: vec![note],
            }
        }
        (Model::Supervised, Some(y), "mlp") => plain(Box::new(supervised(&mlp, x, y)?)),
        (Model::Supervised, Some(y), _) => plain(Box::new(supervised(&logistic, x, y)?)),
        (Model::Supervised, None, _) => return Err("--model supervised needs a label".into()),
        (Model::Combined, Some(y), "mlp") => {
            let f = forest()?;
            let c = Combined::fit((f.clone(), supervised(&mlp, x, y)?), x).map_err(combine)?;
            with_forest(Box::new(c), f, false)
        }
        (Model::Combined, Some(y), _) => {
            let f = forest()?;
            let c = Combined::fit((f.clone(), supervised(&logistic, x, y)?), x).map_err(combine)?;
            with_forest(Box::new(c), f, false)
        }
        (Model::Combined, None, _) => {
            let f = forest()?;
            let z = RobustZ::fit(x).map_err(combine)?;
            with_forest(
                Box::new(Combined::fit((f.clone(), z), x).map_err(combine)?),
                f,
                false,
            )
        }
    })
}

/// How many ids occur more than once.
fn duplicate_ids(column: &Column) -> usize {
    let mut seen = std::collections::HashMap::new();
    for i in 0..column.len() {
        *seen
            .entry(column.get(i).map(|v| v.to_string()))
            .or_insert(0usize) += 1;
    }
    seen.values().filter(|&&k| k > 1).map(|k| k - 1).sum()
}

/// Runs the whole protocol and returns what `main` prints.
pub fn run(a: &Args) -> Result<String, Error> {
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
    let (table, source, label, id_col, drop) = match &a.csv {
        Some(path) => {
            if let Some(w) = cli::delimiter_warning(path, a.delimiter) {
                eprintln!("{w}");
            }
            let as_text: Vec<String> = a.drop.iter().chain(&a.id_col).cloned().collect();
            let table = read_table(path, &a.text, &as_text, a.delimiter)?;
            for (flag, col) in a
                .label
                .iter()
                .map(|c| ("--label", c))
                .chain(a.id_col.iter().map(|c| ("--id-col", c)))
                .chain(a.drop.iter().map(|c| ("--drop", c)))
            {
                if !table.has_column(col) {
                    return Err(Error::usage(format!(
                        "{flag} column `{col}` is not in {}; columns: {}",
                        path.display(),
                        table.column_names().join(", ")
                    )));
                }
            }
            (
                table,
                path.display().to_string(),
                a.label.clone(),
                a.id_col.clone(),
                a.drop.clone(),
            )
        }
        None => (
            synthetic_table(a.seed)?,
            "synthetic shop: velocity features of 3,000 customers, planted fraudsters".into(),
            Some("is_fraud".to_owned()),
            Some("user_id".to_owned()),
            a.drop.clone(),
        ),
    };
    let n = table.n_rows();
    let y = match &label {
        Some(l) => {
            let y = binary_labels(&table, l, a.positive.as_deref()).map_err(|e| e.to_string())?;
            let bad = y.iter().filter(|&&v| v == 1).count();
            if bad == 0 || bad == n {
                return Err(Error::failed(format!(
                    "label `{l}` has one class only ({bad} of {n} rows positive); a label needs \
                     both bad and good rows{}",
                    if a.positive.is_none() {
                        " (name the bad value with --positive)"
                    } else {
                        ""
                    }
                )));
            }
            Some(y)
        }
        None => None,
    };
    // The split.
    let listed = match &a.test_rows {
        Some(file) => Some(read_test_rows(file, n)?),
        None => None,
    };
    let (train, test) = match (&listed, &y) {
        (Some(test), _) => {
            let mut is_test = vec![false; n];
            test.iter().for_each(|&i| is_test[i] = true);
            let train: Vec<usize> = (0..n).filter(|&i| !is_test[i]).collect();
            (train, test.clone())
        }
        (None, Some(y)) => Holdout::stratified(0.2, a.seed)
            .split(y)
            .map_err(|e| e.to_string())?,
        (None, None) => ((0..n).collect(), (0..n).collect()),
    };
    if train.len() < 2 {
        return Err(Error::failed(format!(
            "{} training row(s) left after the test rows; at least 2 are needed",
            train.len()
        )));
    }
    // Features, fitted on the training rows.
    let mut left_out: Vec<&str> = drop.iter().map(String::as_str).collect();
    left_out.extend(id_col.as_deref());
    let candidates = table
        .column_names()
        .into_iter()
        .filter(|c| !left_out.contains(c) && label.as_deref() != Some(*c))
        .count();
    if candidates == 0 {
        return Err(Error::failed(
            "no feature column is left after --drop, --id-col and --label",
        ));
    }
    let spec =
        ColumnTransformer::auto(&table, label.as_deref(), &left_out).map_err(|e| e.to_string())?;
    let train_table = table.take(&train).map_err(|e| e.to_string())?;
    let test_table = table.take(&test).map_err(|e| e.to_string())?;
    let prep = spec.fit(&train_table).map_err(|e| e.to_string())?;
    let features = prep.feature_names().to_vec();
    if features.is_empty() {
        return Err(Error::failed(
            "no feature column is left after --drop, --id-col and --label",
        ));
    }
    let excluded = prep
        .fit_report()
        .excluded
        .iter()
        .map(ToString::to_string)
        .collect();
    let xt = prep
        .transform_features(&train_table)
        .map_err(|e| e.to_string())?;
    let xs = prep
        .transform_features(&test_table)
        .map_err(|e| e.to_string())?;
    let mut imputed: Vec<(String, usize)> = Vec::new();
    for c in xt.report.columns.iter().chain(&xs.report.columns) {
        if c.imputed > 0 {
            match imputed.iter_mut().find(|(name, _)| name == &c.column) {
                Some((_, k)) => *k += c.imputed,
                None => imputed.push((c.column.clone(), c.imputed)),
            }
        }
    }
    let y_train: Option<Vec<u8>> = y.as_ref().map(|y| train.iter().map(|&i| y[i]).collect());
    let t = Instant::now();
    let fitted = fit_scorer(a, xt.x.view(), y_train.as_deref())?;
    let fit_seconds = t.elapsed().as_secs_f64();
    let t = Instant::now();
    let scores = fitted
        .scorer
        .risk_score(xs.x.view())
        .map_err(|e| e.to_string())?;
    let score_seconds = t.elapsed().as_secs_f64();
    let result = match &y {
        Some(y) => {
            let y_test: Vec<u8> = test.iter().map(|&i| y[i]).collect();
            Evaluated::Labelled(
                evaluate_at_budget(&y_test, &scores, a.budget)
                    .map_err(|e| format!("evaluating the {} test rows: {e}", test.len()))?,
            )
        }
        None => top_rows(
            a,
            &table,
            &test,
            id_col.as_deref(),
            &features,
            &xt.x,
            &xs.x,
            &scores,
            fitted.explain.as_ref(),
        )?,
    };
    let outcome = Outcome {
        source,
        model: a.model,
        rows: n,
        train_rows: train.len(),
        features,
        excluded,
        imputed,
        duplicate_ids: match &id_col {
            Some(c) => duplicate_ids(table.column(c).map_err(|e| e.to_string())?),
            None => 0,
        },
        fit_seconds,
        score_seconds,
        notes: fitted.notes.clone(),
        result,
    };
    Ok(if a.json {
        json(&outcome)
    } else {
        readable(&outcome)
    })
}

/// The top-scored test rows with the features that made them stand out.
#[allow(clippy::too_many_arguments)]
fn top_rows(
    a: &Args,
    table: &Table,
    test: &[usize],
    id_col: Option<&str>,
    features: &[String],
    x_train: &Array2<f32>,
    x_test: &Array2<f32>,
    scores: &ua_analytics::ndarray::Array1<f32>,
    explain: Option<&(&'static str, Explain)>,
) -> Result<Evaluated, String> {
    let n = test.len();
    let flagged = flagged_rows(a.budget, n);
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_by(|&p, &q| scores[q].total_cmp(&scores[p]));
    order.truncate(a.top.min(flagged));
    let chosen = x_test.select(Axis(0), &order);
    let (why, reasons) = match explain {
        Some((why, e)) => (*why, e(chosen.view())),
        None => (
            "most unusual features (robust z-score against the training rows)",
            RobustZ::fit(x_train.view()).and_then(|z| z.explain(chosen.view(), 3)),
        ),
    };
    let reasons = reasons.map_err(|e| e.to_string())?;
    let ids = id_col
        .map(|c| table.column(c))
        .transpose()
        .map_err(|e| e.to_string())?;
    let rows = order
        .iter()
        .zip(reasons)
        .map(|(&p, r)| {
            let row = test[p];
            let place = match ids.and_then(|c| c.get(row)) {
                Some(v) => v.to_string(),
                None => table.locate(row),
            };
            let r = r
                .into_iter()
                .map(|(j, v)| (features[j].clone(), v))
                .collect();
            (place, scores[p], r)
        })
        .collect();
    Ok(Evaluated::Top {
        scored: n,
        flagged,
        why,
        rows,
    })
}

fn json(o: &Outcome) -> String {
    let mut v = serde_json::json!({
        "model": o.model.name(),
        "rows": o.rows,
        "train_rows": o.train_rows,
        "features": o.features.len(),
        "imputed_values": o.imputed.iter().map(|(_, k)| k).sum::<usize>(),
        "duplicate_ids": o.duplicate_ids,
        "fit_seconds": o.fit_seconds,
        "score_seconds": o.score_seconds,
    });
    match &o.result {
        Evaluated::Labelled(e) => {
            let extra = serde_json::json!({
                "test_rows": e.rows, "roc_auc": e.roc_auc, "pr_auc": e.pr_auc, "budget": e.budget,
                "flagged": e.flagged, "precision_at_budget": e.precision_at_budget,
                "recall_at_budget": e.recall_at_budget,
            });
            v.as_object_mut()
                .unwrap()
                .extend(extra.as_object().unwrap().clone());
        }
        Evaluated::Top {
            scored,
            flagged,
            rows,
            ..
        } => {
            let top: Vec<_> = rows
                .iter()
                .map(|(id, s, r)| serde_json::json!({"id": id, "score": s,
                    "features": r.iter().map(|(f, w)| serde_json::json!({"feature": f, "value": w})).collect::<Vec<_>>()}))
                .collect();
            let extra = serde_json::json!({"test_rows": scored, "flagged": flagged, "top": top});
            v.as_object_mut()
                .unwrap()
                .extend(extra.as_object().unwrap().clone());
        }
    }
    v.to_string()
}

fn readable(o: &Outcome) -> String {
    use std::fmt::Write;
    let mut s = String::new();
    let _ = writeln!(
        s,
        "data: {} ({} rows, {} training)",
        o.source, o.rows, o.train_rows
    );
    let _ = writeln!(
        s,
        "features ({}): {}",
        o.features.len(),
        o.features.join(", ")
    );
    for e in &o.excluded {
        let _ = writeln!(s, "left out (looks like an identifier): {e}");
    }
    for (c, k) in &o.imputed {
        let _ = writeln!(
            s,
            "imputed: {k} missing value(s) of `{c}` (training median / most frequent)"
        );
    }
    if o.duplicate_ids > 0 {
        let _ = writeln!(
            s,
            "note: {} row(s) repeat an id of an earlier row; each row is scored on its own",
            o.duplicate_ids
        );
    }
    for note in &o.notes {
        let _ = writeln!(s, "note: {note}");
    }
    let _ = writeln!(
        s,
        "model: {} — fit {:.3} s, score {:.3} s",
        o.model.name(),
        o.fit_seconds,
        o.score_seconds
    );
    match &o.result {
        Evaluated::Labelled(e) => {
            let _ = writeln!(s, "test rows: {} ({} bad)", e.rows, e.positives);
            let _ = writeln!(s, "ROC-AUC {:.4}   PR-AUC {:.4}", e.roc_auc, e.pr_auc);
            let _ = writeln!(
                s,
                "flag the top {:.1}% ({} rows): precision {:.3}, recall {:.3} (base rate {:.3})",
                e.budget * 100.0,
                e.flagged,
                e.precision_at_budget,
                e.recall_at_budget,
                e.positives as f64 / e.rows as f64
            );
        }
        Evaluated::Top {
            scored,
            flagged,
            why,
            rows,
        } => {
            let _ = writeln!(
                s,
                "scored {scored} rows; the budget flags {flagged}. Highest risk ({why}):"
            );
            for (id, score, r) in rows {
                let r: Vec<String> = r.iter().map(|(f, v)| format!("{f} ({v:.2})")).collect();
                let _ = writeln!(s, "  {id:<12} {score:.4}  {}", r.join(", "));
            }
        }
    }
    s
}

fn main() -> ExitCode {
    // Epochs on one stderr line, on a terminal only.
    match parse_args(std::env::args_os().skip(1).collect())
        .and_then(|a| with_progress("risk", a.quiet, || run(&a)))
    {
        Ok(out) => {
            println!("{}", out.trim_end());
            ExitCode::SUCCESS
        }
        Err(Error::Help(h)) => {
            println!("{h}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("risk: error: {e}");
            ExitCode::from(e.code())
        }
    }
}
