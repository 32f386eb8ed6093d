//! Recommends items to users from an interaction log and measures how well
//! the recommendations predict each user's most recent interactions.
//!
//! ```text
//! cargo run --release --example recommend -- --interactions FILE --user-col U --item-col I
//!     [--time-col T] [--weight-col W] [--min-weight X]
//!     [--model popularity|itemknn|rp3beta|ease|als|bpr|two-tower] [--k 10] [--test-rows FILE]
//!     [--tune] [--seed 42] [--threads N] [--delimiter ,] [--json] [--save FILE [--force]]
//!     [--factors N] [--iterations N] [--regularization X] [--alpha X] [--cg-steps N]
//!     [--epochs N] [--learning-rate X] [--bpr-mode deterministic|parallel]
//!     [--neighbours N] [--weighting none|bm25|tfidf] [--beta X] [--lambda X] [--max-items N]
//! cargo run --release --example recommend        # the synthetic shop's event log
//! cargo run --release --example recommend -- --load FILE --user ID [--user ID …]
//!     [--history ITEM,ITEM,…] [--k 10] [--fallback error|popular] [--json]
//! ```
//!
//! Protocol:
//!
//! * **Interactions.** Every kept row is one interaction of weight 1 (or its
//!   `--weight-col` value); rows below `--min-weight` are left out and
//!   counted; several rows of one (user, item) pair are summed and counted.
//!   User and item ids are read as text.
//! * **Split.** For each user with ≥ 5 rows the most recent
//!   `max(1, n // 5)` by (time, item id) are test, the rest train (without
//!   `--time-col`: the last rows in file order) — or exactly the rows listed
//!   in `--test-rows` (a one-column CSV of 0-based data-row indices, header
//!   `row`). The catalogue is the items seen in training; test rows of items
//!   or users unseen in training are counted and left out.
//! * **Ranking.** Each evaluated user gets `--k` items from the catalogue,
//!   excluding their training items; precision, recall, NDCG, MAP and hit
//!   rate at k, MRR and catalogue coverage are computed over the users with
//!   test items.
//! * **`--tune`** chooses the model's parameters from a small grid on a
//!   validation split cut out of the training rows by the same rule, then
//!   refits the best on all training rows (`ua_analytics::recommend::tune`).
//! * **Model parameters** (without `--tune`; each applies to the models
//!   named, and any other use is an error): `--factors` (als, bpr),
//!   `--iterations`, `--cg-steps` (als; 0 = exact Cholesky solves),
//!   `--regularization` (als, bpr), `--alpha` (als: confidence `1 + α·w`;
//!   itemknn: asymmetric-cosine exponent; rp3beta: transition exponent),
//!   `--epochs`, `--learning-rate`, `--bpr-mode` (bpr), `--neighbours`
//!   (itemknn, rp3beta), `--weighting` (itemknn), `--beta` (rp3beta),
//!   `--lambda` (ease). Unset parameters keep the model's defaults.
//!
//!   `--max-items` (ease, also with `--tune`) is the largest catalogue EASE
//!   inverts (default 10,000; its memory grows with items², time with items³).
//!
//! The report shows three users with their history and recommendations;
//! `--json` prints one object with keys `model`, `users_evaluated`,
//! `catalogue_items`, `precision_at_k`, `recall_at_k`, `ndcg_at_k`,
//! `map_at_k`, `hit_rate_at_k`, `mrr`, `coverage`, `fit_seconds`,
//! `recommend_seconds`, `params` (and `saved` with `--save`).
//!
//! **Serving.** `--save FILE` refits the evaluated parameters (the tuned
//! best with `--tune`) on all kept rows — the held-out ones too — and writes
//! the model with its user and item ids and the popularity counts as one
//! `ua_analytics::recommend::IdRecommender` file (never over an input; an
//! existing file only with `--force`). `--load FILE` serves such a file by
//! external ids: each `--user` gets `--k` items they do not have yet, and
//! `--history` (the item ids of an anonymous session, comma-separated) gets
//! `--k` items not in it. Each list says where it came from: `model`,
//! `history` (the session folded in), or `popular` (the most popular items,
//! for a user the model does not know with `--fallback popular`). An
//! unknown user without `--fallback popular` is an error (exit 1) naming
//! the id; so is a history none of whose items is in the catalogue. With
//! `--json`: one object with keys `model`, `users`, `items` (the model's
//! sizes), `k` and `recommendations` (per request: `user` or `history`,
//! `source`, `unknown_items`, `items` as `[{"item", "score"}]`).

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use serde::Deserialize;
use serde_json::{Value, json};
use user_analytics::analytics::recommend::{
    AlsSolver, Bpr, BprMode, Ease, Filter, FittedBpr, FittedEase, FittedImplicitAls, FittedItemKnn,
    FittedPopularity, FittedRp3Beta, FittedTwoTower, IdRecommender, ImplicitAls,
    InteractionWeighting, ItemKnn, LogRows, Popularity, RecommendationReport, Recommendations,
    Rp3Beta, Source, TwoTower, UnknownUser, evaluate, tune,
};
use user_analytics::analytics::{Recommender, RecommenderModel};
use user_analytics::cli::{self, Command, Delimiter, Error, Flag};
use user_analytics::data::csv_io::{CsvOptions, read_csv};
use user_analytics::data::date::parse_date;
use user_analytics::data::features::interaction_split::{HoldoutRule, split_interactions};
use user_analytics::data::features::interactions::Interactions;
use user_analytics::data::synth::{ShopConfig, generate};
use user_analytics::data::{Column, ColumnType, Table};
use user_analytics::progress::with_progress;
use user_analytics::tensor::persist::{Persist, PersistError};

const CMD: Command = Command {
    name: "recommend",
    about: "Recommends items from an interaction log and evaluates the recommendations on \
            each user's most recent interactions (without --interactions: the synthetic \
            shop's event log).",
    flags: &[
        Flag::value(
            "--interactions",
            "FILE",
            "interaction log (CSV with a header)",
        ),
        Flag::value("--user-col", "U", "user id column (read as text)"),
        Flag::value("--item-col", "I", "item id column (read as text)"),
        Flag::value(
            "--time-col",
            "T",
            "time column (numbers or dates) for the split",
        ),
        Flag::value("--weight-col", "W", "weight column (default: 1 per row)"),
        Flag::value(
            "--min-weight",
            "X",
            "leave out rows whose weight is below X",
        ),
        Flag::value(
            "--model",
            "M",
            "popularity, itemknn, rp3beta, ease, als, bpr or two-tower",
        )
        .default("itemknn"),
        Flag::value("--k", "N", "recommendations per user").default("10"),
        Flag::value(
            "--test-rows",
            "FILE",
            "one-column CSV (header `row`) of 0-based test rows",
        ),
        Flag::switch(
            "--tune",
            "choose parameters on a validation split of training rows",
        ),
        Flag::value("--seed", "N", "seed of ALS/BPR and of the synthetic shop").default("42"),
        Flag::value("--threads", "N", "threads (default: all cores)"),
        Flag::value("--delimiter", "C", "field separator: , ; | or tab").default(","),
        Flag::switch("--json", "print one JSON object"),
        cli::QUIET,
        Flag::value("--factors", "N", "latent factors (als, bpr)"),
        Flag::value("--iterations", "N", "alternating sweeps (als)"),
        Flag::value(
            "--cg-steps",
            "N",
            "conjugate-gradient steps per solve, 0 = exact Cholesky (als)",
        ),
        Flag::value("--regularization", "X", "L2 regularisation (als, bpr)"),
        Flag::value(
            "--alpha",
            "X",
            "als: confidence 1 + X·w; itemknn: asymmetric cosine; rp3beta: exponent",
        ),
        Flag::value("--epochs", "N", "SGD epochs (bpr)"),
        Flag::value("--learning-rate", "X", "SGD step (bpr)"),
        Flag::value(
            "--bpr-mode",
            "M",
            "deterministic (one thread) or parallel (bpr)",
        ),
        Flag::value(
            "--neighbours",
            "N",
            "neighbours per item (itemknn, rp3beta)",
        ),
        Flag::value("--weighting", "W", "none, bm25 or tfidf (itemknn)"),
        Flag::value("--beta", "X", "popularity penalty (rp3beta)"),
        Flag::value("--lambda", "X", "L2 regularisation (ease)"),
        Flag::value(
            "--max-items",
            "N",
            "largest catalogue EASE inverts (ease; default 10000)",
        ),
        Flag::value(
            "--save",
            "FILE",
            "refit on all kept rows and write the model with its ids to FILE (serve it with --load)",
        ),
        Flag::switch("--force", "replace the --save file if it exists"),
        Flag::value(
            "--load",
            "FILE",
            "serve a model written by --save to --user / --history (no evaluation)",
        ),
        Flag::value("--user", "ID", "with --load: a user id to recommend to").repeatable(),
        Flag::value(
            "--history",
            "ITEMS",
            "with --load: comma-separated item ids of an anonymous session",
        ),
        Flag::value(
            "--fallback",
            "F",
            "with --load: unknown users get an error or the popular items",
        )
        .default("error"),
    ],
    positional: None,
};

/// The flags that fit a model; with `--load` the model comes from the file.
const FIT_ONLY: [&str; 26] = [
    "--interactions",
    "--user-col",
    "--item-col",
    "--time-col",
    "--weight-col",
    "--min-weight",
    "--model",
    "--test-rows",
    "--tune",
    "--seed",
    "--delimiter",
    "--save",
    "--force",
    "--factors",
    "--iterations",
    "--cg-steps",
    "--regularization",
    "--alpha",
    "--epochs",
    "--learning-rate",
    "--bpr-mode",
    "--neighbours",
    "--weighting",
    "--beta",
    "--lambda",
    "--max-items",
];

/// The flags that serve a saved model.
const SERVE_ONLY: [&str; 3] = ["--user", "--history", "--fallback"];

/// Parsed command line.
struct Args {
    interactions: Option<PathBuf>,
    user_col: Option<String>,
    item_col: Option<String>,
    time_col: Option<String>,
    weight_col: Option<String>,
    min_weight: Option<f64>,
    model: String,
    k: usize,
    test_rows: Option<PathBuf>,
    tune: bool,
    seed: u64,
    threads: Option<usize>,
    delimiter: u8,
    json: bool,
    /// No progress line (`--quiet`).
    quiet: bool,
    set: ModelFlags,
    /// EASE's catalogue cap (`--max-items`).
    max_items: Option<usize>,
    /// Write the model refitted on all kept rows here (`--save`).
    save: Option<PathBuf>,
    /// Replace an existing `--save` file.
    force: bool,
    /// Serve this saved model instead of fitting one (`--load`).
    load: Option<PathBuf>,
    /// `--user` ids to serve, in order.
    users: Vec<String>,
    /// `--history` item ids.
    history: Vec<String>,
    /// What `--load` does for unknown users (`--fallback`).
    fallback: UnknownUser,
}

/// Model parameters given on the command line (each `None` when unset;
/// real values are read as f64 and narrowed for the f32 parameters, where
/// the model's own checks catch values that do not fit).
#[derive(Default)]
struct ModelFlags {
    factors: Option<usize>,
    iterations: Option<usize>,
    cg_steps: Option<usize>,
    regularization: Option<f64>,
    alpha: Option<f64>,
    epochs: Option<usize>,
    learning_rate: Option<f64>,
    bpr_mode: Option<String>,
    neighbours: Option<usize>,
    weighting: Option<String>,
    beta: Option<f64>,
    lambda: Option<f64>,
}

impl ModelFlags {
    /// The flags that are set, with the models each applies to.
    fn given(&self) -> Vec<(&'static str, &'static [&'static str])> {
        let mut v: Vec<(&'static str, &'static [&'static str])> = Vec::new();
        let mut add = |on: bool, flag, models| {
            if on {
                v.push((flag, models));
            }
        };
        add(
            self.factors.is_some(),
            "--factors",
            &["als", "bpr", "two-tower"],
        );
        add(self.iterations.is_some(), "--iterations", &["als"]);
        add(self.cg_steps.is_some(), "--cg-steps", &["als"]);
        add(
            self.regularization.is_some(),
            "--regularization",
            &["als", "bpr"],
        );
        add(
            self.alpha.is_some(),
            "--alpha",
            &["als", "itemknn", "rp3beta"],
        );
        add(self.epochs.is_some(), "--epochs", &["bpr", "two-tower"]);
        add(
            self.learning_rate.is_some(),
            "--learning-rate",
            &["bpr", "two-tower"],
        );
        add(self.bpr_mode.is_some(), "--bpr-mode", &["bpr"]);
        add(
            self.neighbours.is_some(),
            "--neighbours",
            &["itemknn", "rp3beta"],
        );
        add(self.weighting.is_some(), "--weighting", &["itemknn"]);
        add(self.beta.is_some(), "--beta", &["rp3beta"]);
        add(self.lambda.is_some(), "--lambda", &["ease"]);
        v
    }
}

const MODELS: [&str; 7] = [
    "popularity",
    "itemknn",
    "rp3beta",
    "ease",
    "als",
    "bpr",
    "two-tower",
];

fn parse_args(args: Vec<std::ffi::OsString>) -> Result<Args, Error> {
    let m = CMD.parse(args)?;
    if m.given("--load") {
        if let Some(flag) = FIT_ONLY.iter().find(|f| m.given(f)) {
            return Err(Error::usage(format!(
                "{flag} is for fitting a model; with --load the model comes from the file"
            )));
        }
    } else if let Some(flag) = SERVE_ONLY.iter().find(|f| m.given(f)) {
        return Err(Error::usage(format!(
            "{flag} serves a saved model and needs --load FILE"
        )));
    }
    let fallback = match m.required::<String>("--fallback")?.as_str() {
        "error" => UnknownUser::Error,
        "popular" => UnknownUser::Popular,
        other => {
            return Err(Error::usage(format!(
                "--fallback: '{other}' is not one of error, popular"
            )));
        }
    };
    let a = Args {
        interactions: m.value("--interactions")?,
        user_col: m.value("--user-col")?,
        item_col: m.value("--item-col")?,
        time_col: m.value("--time-col")?,
        weight_col: m.value("--weight-col")?,
        min_weight: m.value("--min-weight")?,
        model: m.required("--model")?,
        k: m.required("--k")?,
        test_rows: m.value("--test-rows")?,
        tune: m.switch("--tune"),
        seed: m.required("--seed")?,
        threads: m.value("--threads")?,
        delimiter: m.required::<Delimiter>("--delimiter")?.0,
        json: m.switch("--json"),
        quiet: m.switch("--quiet"),
        set: ModelFlags {
            factors: m.value("--factors")?,
            iterations: m.value("--iterations")?,
            cg_steps: m.value("--cg-steps")?,
            regularization: m.value("--regularization")?,
            alpha: m.value("--alpha")?,
            epochs: m.value("--epochs")?,
            learning_rate: m.value("--learning-rate")?,
            bpr_mode: m.value("--bpr-mode")?,
            neighbours: m.value("--neighbours")?,
            weighting: m.value("--weighting")?,
            beta: m.value("--beta")?,
            lambda: m.value("--lambda")?,
        },
        max_items: m.value("--max-items")?,
        save: m.value("--save")?,
        force: m.switch("--force"),
        load: m.value("--load")?,
        users: m.values("--user").into_iter().map(str::to_owned).collect(),
        history: m.list("--history"),
        fallback,
    };
    if m.given("--history") && a.history.is_empty() {
        return Err(Error::usage(
            "--history needs at least one item id (ITEM,ITEM,…)",
        ));
    }
    if a.load.is_some() && a.users.is_empty() && a.history.is_empty() {
        return Err(Error::usage(
            "--load needs --user ID (repeatable) or --history ITEM,ITEM,…",
        ));
    }
    if let Some(u) = a.users.iter().find(|u| u.is_empty()) {
        return Err(Error::usage(format!("--user needs a user id, found '{u}'")));
    }
    if a.force && a.save.is_none() {
        return Err(Error::usage("--force only applies to --save FILE"));
    }
    if let Some(n) = a.max_items {
        if a.model != "ease" {
            return Err(Error::usage(format!(
                "--max-items applies to --model ease, not to {}",
                a.model
            )));
        }
        if n == 0 {
            return Err(Error::usage(
                "--max-items must be at least 1 (the largest catalogue EASE inverts)",
            ));
        }
    }
    if !MODELS.contains(&a.model.as_str()) {
        return Err(Error::usage(format!(
            "--model: '{}' is not one of {}",
            a.model,
            MODELS.join(", ")
        )));
    }
    for (flag, models) in a.set.given() {
        if a.tune {
            return Err(Error::usage(format!(
                "{flag} sets a parameter that --tune chooses; use one or the other"
            )));
        }
        if !models.contains(&a.model.as_str()) {
            return Err(Error::usage(format!(
                "{flag} applies to --model {}, not to {}",
                models.join(" or "),
                a.model
            )));
        }
    }
    if let Some(w) = &a.set.weighting
        && !["none", "bm25", "tfidf"].contains(&w.as_str())
    {
        return Err(Error::usage(format!(
            "--weighting: '{w}' is not one of none, bm25, tfidf"
        )));
    }
    if let Some(m) = &a.set.bpr_mode
        && !["deterministic", "parallel"].contains(&m.as_str())
    {
        return Err(Error::usage(format!(
            "--bpr-mode: '{m}' is not one of deterministic, parallel"
        )));
    }
    if a.k == 0 {
        return Err(Error::usage("--k must be at least 1"));
    }
    if a.threads == Some(0) || a.threads.is_some_and(|t| t > 1024) {
        return Err(Error::usage("--threads must be in 1..=1024"));
    }
    if a.interactions.is_some() && (a.user_col.is_none() || a.item_col.is_none()) {
        return Err(Error::usage(
            "--interactions needs --user-col and --item-col",
        ));
    }
    let file_only = [&a.user_col, &a.item_col, &a.time_col, &a.weight_col];
    if a.interactions.is_none() && (file_only.iter().any(|c| c.is_some()) || a.test_rows.is_some())
    {
        return Err(Error::usage(
            "--user-col, --item-col, --time-col, --weight-col and --test-rows need --interactions FILE",
        ));
    }
    if a.min_weight.is_some() && a.weight_col.is_none() && a.interactions.is_some() {
        return Err(Error::usage("--min-weight needs --weight-col"));
    }
    Ok(a)
}

/// The log as columns: ids as text, optional times and weights.
struct Log {
    users: Vec<String>,
    items: Vec<String>,
    times: Option<Vec<i64>>,
    weights: Option<Vec<f64>>,
    source: String,
    rows_below_min_weight: usize,
}

fn text_column(t: &Table, name: &str, file: &str) -> Result<Vec<String>, Error> {
    let c = t
        .categorical(name)
        .map_err(|e| Error::failed(format!("{file}: {e}")))?;
    c.iter()
        .enumerate()
        .map(|(r, v)| {
            v.map(str::to_owned).ok_or_else(|| {
                Error::failed(format!(
                    "{file}, {}: column `{name}` is missing an id",
                    t.locate(r)
                ))
            })
        })
        .collect()
}

fn time_column(t: &Table, name: &str, file: &str) -> Result<Vec<i64>, Error> {
    let at = |r: usize| format!("{file}, {}", t.locate(r));
    match t
        .column(name)
        .map_err(|e| Error::failed(format!("{file}: {e}")))?
    {
        Column::Date(d) => d
            .iter()
            .enumerate()
            .map(|(r, v)| {
                v.map(|day| i64::from(day) * 86_400).ok_or_else(|| {
                    Error::failed(format!("{}: column `{name}` is missing a date", at(r)))
                })
            })
            .collect(),
        Column::Numeric(n) => n
            .iter()
            .enumerate()
            .map(|(r, v)| match v {
                Some(x) if x.is_finite() && x.fract() == 0.0 && x.abs() < 9e15 => Ok(x as i64),
                Some(x) => Err(Error::failed(format!(
                    "{}: column `{name}`: time {x} is not a whole number",
                    at(r)
                ))),
                None => Err(Error::failed(format!(
                    "{}: column `{name}` is missing a time",
                    at(r)
                ))),
            })
            .collect(),
        Column::Categorical(c) => {
            // Read as text because some value is neither a number nor a date.
            let bad = c.iter().enumerate().find(|(_, v)| {
                v.is_some_and(|v| {
                    v.trim().parse::<f64>().is_err() && parse_date(v.trim()).is_none()
                })
            });
            Err(Error::failed(match bad {
                Some((r, v)) => format!(
                    "{}: column `{name}`: `{}` is neither a number nor a date",
                    at(r),
                    v.unwrap_or_default()
                ),
                None => format!(
                    "{file}: column `{name}` mixes numbers and dates; a time column needs one of them"
                ),
            }))
        }
        _ => Err(Error::failed(format!(
            "{file}: column `{name}` holds neither numbers nor dates"
        ))),
    }
}

fn read_log(a: &Args) -> Result<Log, Error> {
    let Some(path) = &a.interactions else {
        let shop = generate(&ShopConfig {
            seed: a.seed,
            ..ShopConfig::default()
        })
        .map_err(|e| Error::failed(e.to_string()))?;
        let e = shop.events;
        return Ok(Log {
            users: e.user_id.iter().map(u64::to_string).collect(),
            items: e.item_id.iter().map(u64::to_string).collect(),
            times: Some(e.timestamp),
            weights: None,
            source: "the synthetic shop's events".into(),
            rows_below_min_weight: 0,
        });
    };
    cli::check_input("--interactions", path)?;
    cli::check_not_empty("--interactions", path)?;
    if let Some(w) = cli::delimiter_warning(path, a.delimiter) {
        eprintln!("recommend: warning: {w}");
    }
    let file = path.display().to_string();
    let (user_col, item_col) = (
        a.user_col.as_deref().unwrap_or(""),
        a.item_col.as_deref().unwrap_or(""),
    );
    let opts = CsvOptions::default()
        .delimiter(a.delimiter)
        .with_type(user_col, ColumnType::Categorical)
        .with_type(item_col, ColumnType::Categorical);
    // The reader's errors name the file where they point at a line; a
    // missing id column (asked for by `with_type`) is named here.
    let t = read_csv(path, &opts).map_err(|e| {
        let m = e.to_string();
        Error::failed(if m.contains(&file) {
            m
        } else {
            format!("{file}: {m}")
        })
    })?;
    if t.n_rows() == 0 {
        return Err(Error::failed(format!(
            "{file}: no data rows (only a header line)"
        )));
    }
    let mut log = Log {
        users: text_column(&t, user_col, &file)?,
        items: text_column(&t, item_col, &file)?,
        times: a
            .time_col
            .as_deref()
            .map(|c| time_column(&t, c, &file))
            .transpose()?,
        weights: None,
        source: file.clone(),
        rows_below_min_weight: 0,
    };
    if let Some(w) = a.weight_col.as_deref() {
        let c = t
            .numeric(w)
            .map_err(|e| Error::failed(format!("{file}: {e}")))?;
        let mut weights = Vec::with_capacity(c.len());
        for (r, v) in c.iter().enumerate() {
            match v {
                Some(x) if x.is_finite() && x >= 0.0 && x <= f64::from(f32::MAX) => weights.push(x),
                Some(x) => {
                    return Err(Error::failed(format!(
                        "{file}, {}: column `{w}`: weight {}; weights must be finite and ≥ 0 \
                         (and within f32's range, 3.4e38)",
                        t.locate(r),
                        if x.abs() >= 1e15 {
                            format!("{x:e}")
                        } else {
                            x.to_string()
                        }
                    )));
                }
                None => {
                    return Err(Error::failed(format!(
                        "{file}, {}: column `{w}` is missing a weight",
                        t.locate(r)
                    )));
                }
            }
        }
        log.weights = Some(weights);
    }
    Ok(log)
}

/// Rows kept after `--min-weight`, as indices into the log.
fn kept_rows(log: &mut Log, min_weight: Option<f64>) -> Vec<usize> {
    let n = log.users.len();
    match (min_weight, &log.weights) {
        (Some(min), Some(w)) => {
            let kept: Vec<usize> = (0..n).filter(|&r| w[r] >= min).collect();
            log.rows_below_min_weight = n - kept.len();
            kept
        }
        _ => (0..n).collect(),
    }
}

/// 0-based test rows from a one-column CSV with header `row`.
fn read_test_rows(path: &PathBuf, n_rows: usize, delimiter: u8) -> Result<Vec<usize>, Error> {
    cli::check_input("--test-rows", path)?;
    let t = read_csv(path, &CsvOptions::default().delimiter(delimiter))
        .map_err(|e| Error::failed(e.to_string()))?;
    let c = t.numeric("row").map_err(|e| {
        Error::failed(format!(
            "--test-rows {}: {e} (expected one column `row`)",
            path.display()
        ))
    })?;
    let mut rows = Vec::with_capacity(c.len());
    let mut listed = vec![false; n_rows];
    for (i, v) in c.iter().enumerate() {
        let at = || format!("--test-rows {}, {}", path.display(), t.locate(i));
        match v {
            Some(x) if x.fract() == 0.0 && x >= 0.0 && (x as usize) < n_rows => {
                let r = x as usize;
                if std::mem::replace(&mut listed[r], true) {
                    return Err(Error::failed(format!(
                        "{}: row {r} is listed twice; list each test row once",
                        at()
                    )));
                }
                rows.push(r)
            }
            Some(x) => {
                return Err(Error::failed(format!(
                    "{}: {x} is not a data row of the interactions (0..{n_rows})",
                    at()
                )));
            }
            None => {
                return Err(Error::failed(format!("{}: the row index is missing", at())));
            }
        }
    }
    rows.sort_unstable();
    Ok(rows)
}

/// What one run measured.
struct Outcome {
    model: String,
    params: Value,
    report: RecommendationReport,
    fit_seconds: f64,
    recommend_seconds: f64,
    examples: Vec<(String, Vec<String>, Vec<String>)>,
    /// With `--save`: the file and the users × items of the saved model.
    saved: Option<(String, usize, usize)>,
}

/// Where `--save` writes and the interactions of all kept rows it refits on.
type SaveTo<'a> = Option<(&'a Path, &'a Interactions<String, String>)>;

/// Fits `grid[0]` (or the tuned best of `grid`), evaluates it, and picks
/// three example users; with `save`, refits the same parameters on all
/// kept rows and writes them with the id maps as an [`IdRecommender`].
#[allow(clippy::too_many_arguments)]
fn run_model<M>(
    name: &str,
    grid: &[M],
    tune_it: bool,
    log: &LogRows<'_, String, String>,
    train: &Interactions<String, String>,
    test: &Interactions<String, String>,
    k: usize,
    save: SaveTo<'_>,
) -> Result<Outcome, Error>
where
    M: RecommenderModel + serde::Serialize,
{
    let failed = |e: user_analytics::analytics::Error| Error::failed(e.to_string());
    let start = Instant::now();
    let (fitted, best) = if tune_it {
        let (fitted, report) =
            tune(grid, log, train, &HoldoutRule::temporal(0.2, 5), k).map_err(failed)?;
        (fitted, report.best)
    } else {
        (grid[0].fit(&train.matrix).map_err(failed)?, grid[0].clone())
    };
    let fit_seconds = start.elapsed().as_secs_f64();
    let start = Instant::now();
    let report = evaluate(&fitted, &test.matrix, k).map_err(failed)?;
    let recommend_seconds = start.elapsed().as_secs_f64();
    let id = |i: u32| train.items.id(i as usize).cloned().unwrap_or_default();
    let examples = (0..test.matrix.n_rows())
        .filter(|&u| test.matrix.row_nnz(u).unwrap_or(0) > 0)
        .take(3)
        .map(|u| {
            let history = fitted
                .seen_items(u)
                .map_err(failed)?
                .iter()
                .map(|&i| id(i))
                .collect();
            let recs = fitted
                .recommend(u, k, &Filter::exclude_seen())
                .map_err(failed)?
                .into_iter()
                .map(|(i, _)| id(i as u32))
                .collect();
            Ok((
                train.users.id(u).cloned().unwrap_or_default(),
                history,
                recs,
            ))
        })
        .collect::<Result<_, Error>>()?;
    let saved = match save {
        Some((path, all)) => {
            let model = best.fit(&all.matrix).map_err(failed)?;
            let shop =
                IdRecommender::new(model, all.users.clone(), all.items.clone()).map_err(failed)?;
            shop.save(path)
                .map_err(|e| Error::failed(format!("--save: {e}")))?;
            Some((
                path.display().to_string(),
                all.matrix.n_rows(),
                all.matrix.n_cols(),
            ))
        }
        None => None,
    };
    Ok(Outcome {
        model: name.to_owned(),
        params: serde_json::to_value(&best).unwrap_or(Value::Null),
        report,
        fit_seconds,
        recommend_seconds,
        examples,
        saved,
    })
}

/// Overwrites `slot` when the flag was given.
fn set<T>(slot: &mut T, value: Option<T>) {
    if let Some(v) = value {
        *slot = v;
    }
}

fn dispatch(
    a: &Args,
    log: &LogRows<'_, String, String>,
    train: &Interactions<String, String>,
    test: &Interactions<String, String>,
    save: SaveTo<'_>,
) -> Result<Outcome, Error> {
    let (k, t, seed, f) = (a.k, a.tune, a.seed, &a.set);
    match a.model.as_str() {
        "popularity" => run_model(
            "popularity",
            &[Popularity::new()],
            false,
            log,
            train,
            test,
            k,
            save,
        ),
        "itemknn" => {
            let mut grid: Vec<ItemKnn> = [100, 20, 400]
                .into_iter()
                .flat_map(|n| {
                    [InteractionWeighting::None, InteractionWeighting::bm25()]
                        .map(|w| ItemKnn::new().neighbours(n).weighting(w))
                })
                .collect();
            let m = &mut grid[0];
            set(&mut m.neighbours, f.neighbours);
            set(&mut m.alpha, f.alpha.map(|v| v as f32));
            if let Some(w) = f.weighting.as_deref() {
                m.weighting = match w {
                    "bm25" => InteractionWeighting::bm25(),
                    "tfidf" => InteractionWeighting::TfIdf,
                    _ => InteractionWeighting::None,
                };
            }
            run_model("itemknn", &grid, t, log, train, test, k, save)
        }
        "rp3beta" => {
            let mut grid: Vec<Rp3Beta> = [0.5, 0.3, 0.7, 0.0]
                .into_iter()
                .map(|b| Rp3Beta::new().beta(b))
                .collect();
            let m = &mut grid[0];
            set(&mut m.neighbours, f.neighbours);
            set(&mut m.alpha, f.alpha.map(|v| v as f32));
            set(&mut m.beta, f.beta.map(|v| v as f32));
            run_model("rp3beta", &grid, t, log, train, test, k, save)
        }
        "ease" => {
            let mut grid: Vec<Ease> = [500.0, 100.0, 1000.0, 50.0]
                .into_iter()
                .map(|l| Ease::new().lambda(l))
                .collect();
            set(&mut grid[0].lambda, f.lambda);
            // The cap applies to every candidate (it is not tuned).
            if let Some(cap) = a.max_items {
                grid.iter_mut().for_each(|m| m.max_items = cap);
            }
            run_model("ease", &grid, t, log, train, test, k, save)
        }
        "als" => {
            let mut grid: Vec<ImplicitAls> = [
                (64, 0.05, 1.0),
                (64, 0.05, 0.01),
                (64, 0.5, 0.01),
                (64, 0.05, 10.0),
                (32, 0.1, 1.0),
            ]
            .into_iter()
            .map(|(f, l, al)| {
                ImplicitAls::new()
                    .factors(f)
                    .regularization(l)
                    .alpha(al)
                    .seed(seed)
            })
            .collect();
            let m = &mut grid[0];
            set(&mut m.factors, f.factors);
            set(&mut m.iterations, f.iterations);
            set(&mut m.regularization, f.regularization.map(|v| v as f32));
            set(&mut m.alpha, f.alpha.map(|v| v as f32));
            if let Some(steps) = f.cg_steps {
                m.solver = if steps == 0 {
                    AlsSolver::Cholesky
                } else {
                    AlsSolver::ConjugateGradient { steps }
                };
            }
            run_model("als", &grid, t, log, train, test, k, save)
        }
        "two-tower" => {
            // The defaults, and the smaller model that measured better on
            // small logs (dim 16, 10 epochs, batches of 128).
            let mut grid = vec![
                TwoTower::new().seed(seed),
                TwoTower::new()
                    .dim(16)
                    .hidden(32)
                    .epochs(10)
                    .batch_size(128)
                    .seed(seed),
            ];
            let m = &mut grid[0];
            set(&mut m.dim, f.factors);
            set(&mut m.epochs, f.epochs);
            set(&mut m.learning_rate, f.learning_rate.map(|v| v as f32));
            run_model("two-tower", &grid, t, log, train, test, k, save)
        }
        _ => {
            let mut grid: Vec<Bpr> = [0.01, 0.05]
                .into_iter()
                .map(|lr| Bpr::new().learning_rate(lr).seed(seed))
                .collect();
            let m = &mut grid[0];
            set(&mut m.factors, f.factors);
            set(&mut m.regularization, f.regularization.map(|v| v as f32));
            set(&mut m.epochs, f.epochs);
            set(&mut m.learning_rate, f.learning_rate.map(|v| v as f32));
            if let Some(mode) = f.bpr_mode.as_deref() {
                m.mode = if mode == "parallel" {
                    BprMode::Parallel
                } else {
                    BprMode::Deterministic
                };
            }
            run_model("bpr", &grid, t, log, train, test, k, save)
        }
    }
}

/// Runs the example on `args` (without the program name) and returns its report.
pub fn run(args: Vec<std::ffi::OsString>) -> Result<String, Error> {
    report(&parse_args(args)?)
}

/// The report for parsed arguments: the served recommendations with
/// `--load`, else the evaluation.
fn report(a: &Args) -> Result<String, Error> {
    if let Some(path) = &a.load {
        return match a.threads {
            Some(n) => rayon::ThreadPoolBuilder::new()
                .num_threads(n)
                .build()
                .map_err(|e| Error::failed(e.to_string()))?
                .install(|| serve(a, path)),
            None => serve(a, path),
        };
    }
    if let Some(out) = &a.save {
        let mut inputs: Vec<(&str, &Path)> = Vec::new();
        if let Some(p) = &a.interactions {
            inputs.push(("--interactions", p));
        }
        if let Some(p) = &a.test_rows {
            inputs.push(("--test-rows", p));
        }
        cli::check_output("--save", out, &inputs, a.force)?;
    }
    let mut log = read_log(a)?;
    let kept = kept_rows(&mut log, a.min_weight);
    let pick =
        |v: &[String], rows: &[usize]| rows.iter().map(|&r| v[r].clone()).collect::<Vec<_>>();
    let (users, items) = (pick(&log.users, &kept), pick(&log.items, &kept));
    let times: Option<Vec<i64>> = log
        .times
        .as_ref()
        .map(|t| kept.iter().map(|&r| t[r]).collect());
    let weights: Option<Vec<f64>> = log
        .weights
        .as_ref()
        .map(|w| kept.iter().map(|&r| w[r]).collect());
    let kept_log = LogRows {
        users: &users,
        items: &items,
        times: times.as_deref(),
        weights: weights.as_deref(),
    };
    let failed = |e: user_analytics::analytics::Error| Error::failed(e.to_string());
    // Train/test rows (positions in the kept log).
    // Users the split rule keeps in training only (too few rows to hold any out).
    let mut too_short = None;
    let (train_rows, test_rows): (Vec<usize>, Vec<usize>) = match &a.test_rows {
        Some(path) => {
            let listed = read_test_rows(path, log.users.len(), a.delimiter)?;
            let mut is_test = vec![false; log.users.len()];
            listed.iter().for_each(|&r| is_test[r] = true);
            (0..kept.len()).partition(|&p| !is_test[kept[p]])
        }
        None => {
            let rule = match &times {
                Some(_) => HoldoutRule::temporal(0.2, 5),
                None => HoldoutRule::LeaveLastK {
                    k: 1,
                    min_interactions: 5,
                },
            };
            let s = split_interactions(&users, &items, times.as_deref(), &rule)
                .map_err(|e| Error::failed(e.to_string()))?;
            too_short = Some(s.users_train_only);
            (s.train, s.test)
        }
    };
    let train_users = pick(&users, &train_rows);
    let train_items = pick(&items, &train_rows);
    let train_times: Option<Vec<i64>> = times
        .as_ref()
        .map(|t| train_rows.iter().map(|&r| t[r]).collect());
    let train_weights: Option<Vec<f64>> = weights
        .as_ref()
        .map(|w| train_rows.iter().map(|&r| w[r]).collect());
    let train_log = LogRows {
        users: &train_users,
        items: &train_items,
        times: train_times.as_deref(),
        weights: train_weights.as_deref(),
    };
    let train = train_log
        .select(&(0..train_rows.len()).collect::<Vec<_>>(), None)
        .map_err(failed)?;
    let test = kept_log.select(&test_rows, Some(&train)).map_err(failed)?;
    if train.matrix.nnz() == 0 || test.matrix.nnz() == 0 {
        return Err(Error::failed(format!(
            "{}: {} training and {} test interactions; both are needed (users need ≥ 5 rows to be split)",
            log.source,
            train.matrix.nnz(),
            test.matrix.nnz()
        )));
    }
    if a.k > train.matrix.n_cols() {
        return Err(Error::usage(format!(
            "--k {} is more than the catalogue's {} items",
            a.k,
            train.matrix.n_cols()
        )));
    }
    // With --save: the interactions of all kept rows, for the refit.
    let all = match &a.save {
        Some(_) => Some(
            kept_log
                .select(&(0..kept.len()).collect::<Vec<_>>(), None)
                .map_err(failed)?,
        ),
        None => None,
    };
    let save = a.save.as_deref().zip(all.as_ref());
    let outcome = match a.threads {
        Some(n) => rayon::ThreadPoolBuilder::new()
            .num_threads(n)
            .build()
            .map_err(|e| Error::failed(e.to_string()))?
            .install(|| dispatch(a, &train_log, &train, &test, save))?,
        None => dispatch(a, &train_log, &train, &test, save)?,
    };
    let r = &outcome.report;
    if a.json {
        let mut v = json!({
            "model": outcome.model,
            "users_evaluated": r.ranking.users_evaluated,
            "catalogue_items": train.matrix.n_cols(),
            "precision_at_k": r.ranking.precision,
            "recall_at_k": r.ranking.recall,
            "ndcg_at_k": r.ranking.ndcg,
            "map_at_k": r.ranking.map,
            "hit_rate_at_k": r.ranking.hit_rate,
            "mrr": r.mrr,
            "coverage": r.coverage,
            "fit_seconds": outcome.fit_seconds,
            "recommend_seconds": outcome.recommend_seconds,
            "params": outcome.params,
            "rows_merged": train.report.rows_merged,
            "rows_below_min_weight": log.rows_below_min_weight,
            "users_not_evaluated": r.users_without_test_items,
        });
        if let Some((file, users, items)) = &outcome.saved {
            v["saved"] = json!({ "file": file, "users": users, "items": items });
        }
        return Ok(v.to_string());
    }
    let mut out = format!(
        "{}: {} rows kept ({} below --min-weight), {} users × {} items in training \
         ({} rows merged into repeated pairs); {} test rows ({} of unseen users, {} of unseen items left out)\n",
        log.source,
        kept.len(),
        log.rows_below_min_weight,
        train.matrix.n_rows(),
        train.matrix.n_cols(),
        train.report.rows_merged,
        test_rows.len(),
        test.report.rows_unknown_user,
        test.report.rows_unknown_item,
    );
    out += &format!(
        "model {} {}\nfit {:.3} s, recommend + evaluate {:.3} s\n\
         users evaluated {}, k = {}: precision {:.4}, recall {:.4}, NDCG {:.4}, MAP {:.4}, hit rate {:.4}, MRR {:.4}, coverage {:.4}\n",
        outcome.model,
        outcome.params,
        outcome.fit_seconds,
        outcome.recommend_seconds,
        r.ranking.users_evaluated,
        a.k,
        r.ranking.precision,
        r.ranking.recall,
        r.ranking.ndcg,
        r.ranking.map,
        r.ranking.hit_rate,
        r.mrr,
        r.coverage
    );
    if let Some(n) = too_short.filter(|&n| n > 0) {
        out += &format!("{n} users with fewer than 5 rows not evaluated\n");
    }
    if let Some((file, users, items)) = &outcome.saved {
        out += &format!(
            "saved {file}: {} refitted on all {} kept rows ({users} users × {items} items); \
             serve it with --load {file} --user ID\n",
            outcome.model,
            kept.len()
        );
    }
    for (user, history, recs) in &outcome.examples {
        let shown: Vec<&str> = history.iter().take(10).map(String::as_str).collect();
        out += &format!(
            "\nuser {user}: history ({} items) {}{}\n  recommended: {}\n",
            history.len(),
            shown.join(", "),
            if history.len() > 10 { ", …" } else { "" },
            recs.join(", ")
        );
    }
    Ok(out)
}

/// The models an [`IdRecommender`] file written by `--save` may hold, by
/// their `--model` names, with a check that the saved model has that
/// model's layout. The envelope does not name the wrapped model, so the
/// file's `model.model` object is matched against each layout in turn
/// (their fields differ, so at most one matches).
fn saved_model_name(file: &Value) -> Option<&'static str> {
    /// Whether a JSON value has one model's layout.
    type Fits = fn(&Value) -> bool;
    let m = &file["model"]["model"];
    let fits: [(&str, Fits); 7] = [
        ("popularity", |v| FittedPopularity::deserialize(v).is_ok()),
        ("itemknn", |v| FittedItemKnn::deserialize(v).is_ok()),
        ("rp3beta", |v| FittedRp3Beta::deserialize(v).is_ok()),
        ("ease", |v| FittedEase::deserialize(v).is_ok()),
        ("als", |v| FittedImplicitAls::deserialize(v).is_ok()),
        ("bpr", |v| FittedBpr::deserialize(v).is_ok()),
        ("two-tower", |v| FittedTwoTower::deserialize(v).is_ok()),
    ];
    fits.iter().find(|(_, ok)| ok(m)).map(|(name, _)| *name)
}

/// Loads `--load FILE` as an [`IdRecommender`] wrapping `R`.
fn load<R>(path: &Path) -> Result<IdRecommender<R, String, String>, Error>
where
    R: Recommender + Persist,
{
    IdRecommender::load(path).map_err(|e| Error::failed(format!("--load: {e}")))
}

/// Serves the model saved in `path` (`--load`).
fn serve(a: &Args, path: &Path) -> Result<String, Error> {
    cli::check_input("--load", path)?;
    let file: Option<Value> = std::fs::read_to_string(path)
        .ok()
        .and_then(|text| serde_json::from_str(&text).ok());
    match file.as_ref().and_then(saved_model_name) {
        Some("popularity") => serve_with("popularity", load::<FittedPopularity>(path)?, a, path),
        Some("itemknn") => serve_with("itemknn", load::<FittedItemKnn>(path)?, a, path),
        Some("rp3beta") => serve_with("rp3beta", load::<FittedRp3Beta>(path)?, a, path),
        Some("ease") => serve_with("ease", load::<FittedEase>(path)?, a, path),
        Some("als") => serve_with("als", load::<FittedImplicitAls>(path)?, a, path),
        Some("bpr") => serve_with("bpr", load::<FittedBpr>(path)?, a, path),
        Some(_) => serve_with("two-tower", load::<FittedTwoTower>(path)?, a, path),
        // Not a model this example wrote: the envelope check says what the
        // file is (not JSON, truncated, another kind of model, a newer
        // version); an id-recommender file with another model gets its
        // own message.
        None => match IdRecommender::<FittedPopularity, String, String>::load(path) {
            Err(PersistError::Invalid { .. }) | Ok(_) => Err(Error::failed(format!(
                "--load {}: an id-recommender file whose model is none of {} \
                 (write it with this example's --save)",
                path.display(),
                MODELS.join(", ")
            ))),
            Err(e) => Err(Error::failed(format!("--load: {e}"))),
        },
    }
}

/// The lower-case name of a [`Source`].
fn source_name(s: Source) -> &'static str {
    match s {
        Source::Model => "model",
        Source::History => "history",
        Source::Popular => "popular",
    }
}

/// One served list: the request (`user ID` or the history) and its items.
fn served_json(request: (&str, Value), r: &Recommendations<String>) -> Value {
    let items: Vec<Value> = r
        .items
        .iter()
        .map(|(item, score)| json!({ "item": item, "score": score }))
        .collect();
    json!({
        request.0: request.1,
        "source": source_name(r.source),
        "unknown_items": r.unknown_items,
        "items": items,
    })
}

/// One served list as a text line.
fn served_text(request: &str, r: &Recommendations<String>) -> String {
    let items: Vec<String> = r
        .items
        .iter()
        .map(|(item, score)| format!("{item} ({score:.4})"))
        .collect();
    let unknown = match r.unknown_items {
        0 => String::new(),
        n => format!(", {n} unknown item(s) left out"),
    };
    format!(
        "{request} [{}{unknown}]: {}\n",
        source_name(r.source),
        items.join(", ")
    )
}

/// Recommends with a loaded model to each `--user` and to the `--history`.
fn serve_with<R: Recommender>(
    name: &str,
    shop: IdRecommender<R, String, String>,
    a: &Args,
    path: &Path,
) -> Result<String, Error> {
    let failed = |e: user_analytics::analytics::Error| Error::failed(e.to_string());
    let shop = shop.unknown_users(a.fallback);
    let (n_users, n_items) = (shop.users().len(), shop.items().len());
    if a.k > n_items {
        return Err(Error::usage(format!(
            "--k {} is more than the catalogue's {n_items} items",
            a.k
        )));
    }
    if a.fallback == UnknownUser::Error {
        if let Some(u) = a.users.iter().find(|u| shop.users().index(*u).is_none()) {
            return Err(Error::failed(format!(
                "--user {u}: unknown user; the model in {} knows {n_users} users \
                 (pass --fallback popular to answer unknown users with the most popular items)",
                path.display()
            )));
        }
        if !a.history.is_empty() && a.history.iter().all(|i| shop.items().index(i).is_none()) {
            return Err(Error::failed(format!(
                "--history: none of its {} item id(s) is in the catalogue of the model in {} \
                 ({n_items} items; pass --fallback popular to answer with the most popular items)",
                a.history.len(),
                path.display()
            )));
        }
    }
    let filter = Filter::exclude_seen();
    let by_user = if a.users.is_empty() {
        Vec::new()
    } else {
        shop.recommend_batch(&a.users, a.k, &filter)
            .map_err(failed)?
    };
    let history = if a.history.is_empty() {
        None
    } else {
        Some(
            shop.recommend_history(&a.history, None, a.k, &filter)
                .map_err(failed)?,
        )
    };
    if a.json {
        let mut lists: Vec<Value> = a
            .users
            .iter()
            .zip(&by_user)
            .map(|(u, r)| served_json(("user", json!(u)), r))
            .collect();
        if let Some(r) = &history {
            lists.push(served_json(("history", json!(a.history)), r));
        }
        let v = json!({
            "model": name,
            "users": n_users,
            "items": n_items,
            "k": a.k,
            "recommendations": lists,
        });
        return Ok(v.to_string());
    }
    let mut out = format!(
        "{}: {name} model, {n_users} users × {n_items} items; the top {} as item (score), [source]\n",
        path.display(),
        a.k
    );
    for (u, r) in a.users.iter().zip(&by_user) {
        out += &served_text(&format!("user {u}"), r);
    }
    if let Some(r) = &history {
        out += &served_text(&format!("history {}", a.history.join(",")), r);
    }
    Ok(out)
}

fn main() -> ExitCode {
    // Iterations on one stderr line, on a terminal only.
    match parse_args(std::env::args_os().skip(1).collect())
        .and_then(|a| with_progress("recommend", a.quiet, || report(&a)))
    {
        Ok(text) => {
            println!("{text}");
            ExitCode::SUCCESS
        }
        Err(Error::Help(h)) => {
            println!("{h}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("recommend: error: {e}");
            ExitCode::from(e.code())
        }
    }
}
