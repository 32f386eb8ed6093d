//! Serves a saved pipeline (preprocessing + model, one file) over HTTP.
//!
//! ```text
//! cargo run --release --example serve -- --model FILE [--addr 127.0.0.1:8080]
//!     [--threads N] [--max-body-bytes N] [--quiet]
//! ```
//!
//! The file is the common envelope (`format`, `kind`, `format_version`,
//! `crate_version`, `model`); the server reads its header, then loads the
//! model by kind:
//!
//! | kind | model | score |
//! | --- | --- | --- |
//! | `ua-analytics/pipeline` | the column recipe + logistic regression or MLP (what `predict --save` writes) | P(y = 1) |
//! | `ua-analytics/detector-pipeline` | the column recipe + isolation forest or autoencoder | risk, higher = riskier |
//!
//! Any other kind is a startup error that lists these two.
//!
//! Routes (every answer is JSON; an error is `{"error": "..."}`):
//!
//! * `POST /score` — a body `{"rows": [{"column": value, ...}, ...]}`
//!   (`Content-Type: application/json`, the default) or a CSV table with a
//!   header line (`Content-Type: text/csv`) → `{"scores": [...]}`, one per
//!   row in order, and `"ids": [...]` when the model has an id column (the
//!   ids as sent: a JSON value is echoed unchanged, a CSV field as text).
//!   Keys the model does not read are listed in `"ignored_columns"`. A key
//!   missing from some rows, or `null`, is a missing value (the fitted
//!   imputer fills it), as an empty CSV field is. A JSON column of numbers
//!   is numeric, of strings categorical, of `true`/`false` boolean; dates
//!   are strings (`"2024-03-01"`). The model checks the columns against the
//!   schema it was fitted on: a missing column or a value of the wrong type
//!   is a 422 with the model's message naming the column, the value and
//!   where it is: `line N` of a CSV body; for JSON, `row N` as the library
//!   counts it (its schema check counts from 0, its range checks from 1).
//!   The server's own messages name a JSON row as `rows[i]` (from 0).
//! * `GET /health` → `{"status": "ok"}`.
//! * `GET /model` → `{"kind", "format_version", "crate_version", "model",
//!   "score", "id_column", "input_columns": [{"name", "type"}], "features",
//!   "training_rows"}`.
//!
//! A body that is not JSON or not CSV, or lacks `rows`, is a 400; a body
//! over `--max-body-bytes` a 413; another content type a 415; an unknown
//! path a 404; a wrong method a 405.
//!
//! One model is loaded and shared (`Arc`) by every request; scoring goes
//! through `&self` with no lock, on tokio's blocking pool (at most
//! `--threads` requests are scored at once, the others wait), so the
//! threads that accept connections are never blocked by a large request.
//!
//! The server prints `listening on http://ADDR` (stdout) once it accepts
//! connections — with `--addr 127.0.0.1:0` the port the system chose — and
//! stops on Ctrl-C (or SIGTERM), finishing the requests in flight.
//! Without `--quiet` it also describes the model on stderr at start and
//! counts the requests at the end.
//!
//! ```text
//! cargo run --release --example predict -- --model logistic --save /tmp/model.json
//! cargo run --release --example serve -- --model /tmp/model.json &
//! curl -s localhost:8080/score -H 'content-type: application/json' \
//!   -d '{"rows": [{"user_id": 7, "age": 31, "income": 42000, "city_tier": "tier_2", "views": 12, "cart_events": 3}]}'
//! ```

use std::ffi::OsString;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use axum::Router;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{MethodRouter, get, post};
use serde_json::{Map, Value, json};

use user_analytics::analytics::ndarray::Array1;
use user_analytics::analytics::pipeline::{FittedDetectorPipeline, FittedPipeline};
use user_analytics::analytics::prediction::{
    FittedPropensityModel, LogisticRegression, MlpClassifier,
};
use user_analytics::analytics::risk::{Autoencoder, IsolationForest};
use user_analytics::analytics::{Classifier, Detector, Predictor, RiskScorer};
use user_analytics::cli::{Command, Error, Flag};
use user_analytics::data::csv_io::{CsvOptions, read_csv_reader};
use user_analytics::data::pipeline::{ColumnSchema, ColumnTransformer, number_as_level};
use user_analytics::data::{Column, ColumnType, DateColumn, Table};
use user_analytics::tensor::budget::{check_allocation, elements, parse_bytes};
use user_analytics::tensor::persist::{Header, Persist, PersistError};

/// The command line.
pub const CMD: Command = Command {
    name: "serve",
    about: "Serves a saved pipeline (kind ua-analytics/pipeline or ua-analytics/detector-pipeline) \
            over HTTP: POST /score (JSON rows or CSV), GET /health, GET /model. Prints \
            `listening on http://ADDR` when ready; Ctrl-C stops it.",
    flags: &[
        Flag::value("--model", "FILE", "the saved model file (required)"),
        Flag::value(
            "--addr",
            "IP:PORT",
            "address to listen on; port 0 lets the system choose",
        )
        .default("127.0.0.1:8080"),
        Flag::value(
            "--threads",
            "N",
            "threads for connections and most requests scored at once; 0 = one per core",
        )
        .default("0"),
        Flag::value(
            "--max-body-bytes",
            "N",
            "largest request body (K, M, G suffixes allowed); larger gets 413",
        )
        .default("8M"),
        Flag::switch(
            "--quiet",
            "print only the `listening on` line (no model summary, no request count)",
        ),
    ],
    positional: None,
};

/// The parsed command line.
#[derive(Debug, Clone)]
pub struct Args {
    /// The model file.
    pub model: PathBuf,
    /// Where to listen.
    pub addr: SocketAddr,
    /// Worker threads, and the most requests scored at once.
    pub threads: usize,
    /// Largest request body in bytes.
    pub max_body_bytes: usize,
    /// Only the `listening on` line.
    pub quiet: bool,
}

/// Parses the command line (without the program name).
pub fn parse_args<I: IntoIterator<Item = OsString>>(args: I) -> Result<Args, Error> {
    let m = CMD.parse(args)?;
    let model: PathBuf = m.required("--model")?;
    let addr_text: String = m.required("--addr")?;
    let addr: SocketAddr = addr_text.trim().parse().map_err(|_| {
        Error::usage(format!(
            "--addr: '{addr_text}' is not an IP:PORT address (e.g. 127.0.0.1:8080, or [::1]:8080)"
        ))
    })?;
    let threads = match m.required::<usize>("--threads")? {
        0 => std::thread::available_parallelism().map_or(1, usize::from),
        n => n,
    };
    let body_text: String = m.required("--max-body-bytes")?;
    let max_body_bytes = parse_bytes(&body_text)
        .and_then(|b| usize::try_from(b).ok())
        .filter(|&b| b > 0)
        .ok_or_else(|| {
            Error::usage(format!(
                "--max-body-bytes: '{body_text}' is not a positive byte count (e.g. 65536, 512K, 8M)"
            ))
        })?;
    Ok(Args {
        model,
        addr,
        threads,
        max_body_bytes,
        quiet: m.switch("--quiet"),
    })
}

/// The kinds this server loads.
const SUPPORTED_KINDS: [&str; 2] = ["ua-analytics/pipeline", "ua-analytics/detector-pipeline"];

/// What the server needs of a loaded model, whichever concrete type the
/// file holds; scoring goes through `&self`, so requests run in parallel.
trait Served: Send + Sync {
    /// One score per row of `table`.
    fn score(&self, table: &Table) -> user_analytics::analytics::Result<Array1<f32>>;
    /// The input columns and their types.
    fn schema(&self) -> &[ColumnSchema];
    /// The features the model reads.
    fn feature_names(&self) -> &[String];
    /// The column returned with the scores.
    fn id_column(&self) -> Option<&str>;
    /// Rows it was fitted on.
    fn training_rows(&self) -> usize;
}

impl<C: Classifier> Served for FittedPipeline<ColumnTransformer, C> {
    fn score(&self, table: &Table) -> user_analytics::analytics::Result<Array1<f32>> {
        self.predict_proba(table)
    }
    fn schema(&self) -> &[ColumnSchema] {
        self.preprocessor().schema()
    }
    fn feature_names(&self) -> &[String] {
        FittedPipeline::feature_names(self)
    }
    fn id_column(&self) -> Option<&str> {
        self.params().columns.id_column.as_deref()
    }
    fn training_rows(&self) -> usize {
        self.summary().n_rows
    }
}

impl<D: Detector> Served for FittedDetectorPipeline<ColumnTransformer, D> {
    fn score(&self, table: &Table) -> user_analytics::analytics::Result<Array1<f32>> {
        self.risk_score(table)
    }
    fn schema(&self) -> &[ColumnSchema] {
        self.preprocessor().schema()
    }
    fn feature_names(&self) -> &[String] {
        FittedDetectorPipeline::feature_names(self)
    }
    fn id_column(&self) -> Option<&str> {
        self.columns().id_column.as_deref()
    }
    fn training_rows(&self) -> usize {
        self.n_rows()
    }
}

/// The served model and what the routes say about it.
struct Model {
    scorer: Box<dyn Served>,
    id_column: Option<String>,
    info: Value,
}

/// One concrete type a kind can hold: its name in `GET /model`, what its
/// score means, and how to read it.
struct Candidate {
    name: &'static str,
    score: &'static str,
    read: fn(&str) -> Result<Box<dyn Served>, PersistError>,
}

fn read_as<T: Served + Persist + 'static>(json: &str) -> Result<Box<dyn Served>, PersistError> {
    Ok(Box::new(T::from_json(json)?))
}

/// The types each supported kind can hold, tried in order.
fn candidates(kind: &str) -> &'static [Candidate] {
    const PIPELINES: &[Candidate] = &[
        Candidate {
            name: "logistic",
            score: "probability",
            read: read_as::<FittedPipeline<ColumnTransformer, LogisticRegression>>,
        },
        Candidate {
            name: "mlp",
            score: "probability",
            read: read_as::<FittedPipeline<ColumnTransformer, MlpClassifier>>,
        },
    ];
    const DETECTORS: &[Candidate] = &[
        Candidate {
            name: "isolation_forest",
            score: "risk",
            read: read_as::<FittedDetectorPipeline<ColumnTransformer, IsolationForest>>,
        },
        Candidate {
            name: "autoencoder",
            score: "risk",
            read: read_as::<FittedDetectorPipeline<ColumnTransformer, Autoencoder>>,
        },
    ];
    match kind {
        "ua-analytics/pipeline" => PIPELINES,
        "ua-analytics/detector-pipeline" => DETECTORS,
        _ => &[],
    }
}

/// The model a propensity pipeline file holds (`ModelKind`, what `predict
/// --save` and `shop_report` write), by the tag of its classifier.
fn propensity(json: &str) -> Option<(&'static str, Box<dyn Served>)> {
    let m = FittedPropensityModel::from_json(json).ok()?;
    Some((m.params().classifier.name(), Box::new(m)))
}

/// Reads the model file: header, kind, then the model.
fn load_model(path: &Path) -> Result<Model, String> {
    let shown = path.display();
    let text = std::fs::read_to_string(path).map_err(|e| format!("{shown}: {e}"))?;
    let header = Header::from_json(&text).map_err(|e| {
        format!(
            "{shown}: not a user-analytics model file (expected a JSON envelope with format, \
             kind, format_version, crate_version, model): {e}"
        )
    })?;
    let kinds = candidates(&header.kind);
    if kinds.is_empty() {
        return Err(format!(
            "{shown}: the file holds a `{}` model; this server loads the kinds {} (a \
             preprocessing pipeline with its model, e.g. `predict --save FILE`)",
            header.kind,
            SUPPORTED_KINDS.join(" and ")
        ));
    }
    let mut tries = Vec::new();
    let mut loaded = None;
    if header.kind == "ua-analytics/pipeline" {
        loaded = propensity(&text).map(|(name, m)| (name, "probability", m));
    }
    for c in kinds {
        if loaded.is_some() {
            break;
        }
        match (c.read)(&text) {
            Ok(m) => loaded = Some((c.name, c.score, m)),
            Err(e) => tries.push(format!("as {}: {e}", c.name)),
        }
    }
    let Some((name, score, scorer)) = loaded else {
        return Err(format!(
            "{shown}: a {} file whose model this server cannot read with the column recipe \
             (ColumnTransformer) in front; tried {}",
            header.kind,
            tries.join("; ")
        ));
    };
    let id_column = scorer.id_column().map(str::to_owned);
    let info = json!({
        "kind": header.kind,
        "format_version": header.format_version,
        "crate_version": header.crate_version,
        "model": name,
        "score": score,
        "id_column": id_column,
        "input_columns": scorer.schema().iter()
            .map(|c| json!({"name": c.name, "type": c.dtype.name()}))
            .collect::<Vec<_>>(),
        "features": scorer.feature_names(),
        "training_rows": scorer.training_rows(),
    });
    Ok(Model {
        scorer,
        id_column,
        info,
    })
}

/// A request that cannot be scored: the status and the message.
type Reject = (StatusCode, String);

fn bad_request(message: String) -> Reject {
    (StatusCode::BAD_REQUEST, message)
}

/// How a JSON value is typed as a table cell.
fn json_type(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// A column of the request's cells: numbers → numeric, strings →
/// categorical, booleans → boolean, a mix → categorical (numbers written as
/// the levels they print as), so the model's schema check names the value
/// that does not fit; all missing → the type the model expects.
fn json_column(cells: &[Option<&Value>], expected: Option<ColumnType>) -> Column {
    let present = || cells.iter().filter_map(|c| *c).filter(|v| !v.is_null());
    let all = |f: fn(&Value) -> bool| present().all(f);
    if present().next().is_none() {
        let n = cells.len();
        return match expected.unwrap_or(ColumnType::Numeric) {
            ColumnType::Numeric => Column::numeric_opt(vec![None; n]),
            ColumnType::Categorical => Column::categorical_opt(&vec![None::<&str>; n]),
            ColumnType::Boolean => Column::boolean_opt(vec![None; n]),
            ColumnType::Date => Column::Date(DateColumn::from_options(vec![None; n])),
        };
    }
    if all(Value::is_number) {
        return Column::numeric_opt(cells.iter().map(|c| c.and_then(Value::as_f64)).collect());
    }
    if all(Value::is_boolean) {
        return Column::boolean_opt(cells.iter().map(|c| c.and_then(Value::as_bool)).collect());
    }
    let text: Vec<Option<String>> = cells
        .iter()
        .map(|c| match c {
            None | Some(Value::Null) => None,
            Some(Value::String(s)) => Some(s.clone()),
            Some(Value::Number(x)) => Some(x.as_f64().map_or(x.to_string(), number_as_level)),
            Some(v) => Some(v.to_string()),
        })
        .collect();
    Column::categorical_opt(&text)
}

/// A parsed request: the table to score and the ids to return.
struct Request {
    table: Table,
    ids: Option<Vec<Value>>,
    columns: Vec<String>,
}

impl Model {
    /// The body `{"rows": [{...}, ...]}` as a table, with the ids as sent.
    fn json_request(&self, body: &[u8]) -> Result<Request, Reject> {
        let doc: Value = serde_json::from_slice(body).map_err(|e| {
            bad_request(format!(
                "the body is not valid JSON ({e}); send {{\"rows\": [{{\"column\": value, ...}}, ...]}}"
            ))
        })?;
        let Value::Object(mut doc) = doc else {
            return Err(bad_request(format!(
                "the body is {}, expected an object {{\"rows\": [...]}}",
                json_type(&doc)
            )));
        };
        let rows = match doc.remove("rows") {
            Some(Value::Array(rows)) => rows,
            Some(other) => {
                return Err(bad_request(format!(
                    "`rows` is {}, expected an array of objects {{\"column\": value}}",
                    json_type(&other)
                )));
            }
            None => {
                return Err(bad_request(
                    "the body has no `rows`; send {\"rows\": [{\"column\": value, ...}, ...]}"
                        .into(),
                ));
            }
        };
        if let Some(key) = doc.keys().next() {
            return Err(bad_request(format!(
                "unknown key `{key}` in the body; it holds only `rows`"
            )));
        }
        if rows.is_empty() {
            return Err(bad_request(
                "`rows` is empty; send at least one row to score".into(),
            ));
        }
        // Column names in order of first appearance.
        let mut names: Vec<&str> = Vec::new();
        let mut objects: Vec<&Map<String, Value>> = Vec::with_capacity(rows.len());
        for (i, row) in rows.iter().enumerate() {
            let Value::Object(obj) = row else {
                return Err(bad_request(format!(
                    "rows[{i}]: {} where an object {{\"column\": value}} was expected",
                    json_type(row)
                )));
            };
            for (k, v) in obj {
                if v.is_array() || v.is_object() {
                    return Err(bad_request(format!(
                        "rows[{i}], column `{k}`: {} — a cell is a number, a string, \
                         true/false or null",
                        json_type(v)
                    )));
                }
                if !names.contains(&k.as_str()) {
                    names.push(k);
                }
            }
            objects.push(obj);
        }
        if names.is_empty() {
            return Err(bad_request(
                "every row is empty; send each row as {\"column\": value, ...} with the \
                 columns GET /model lists"
                    .into(),
            ));
        }
        self.check_size(rows.len(), names.len())?;
        let schema = self.scorer.schema();
        let mut columns = Vec::with_capacity(names.len());
        let mut ids = None;
        for name in &names {
            let cells: Vec<Option<&Value>> = objects.iter().map(|o| o.get(*name)).collect();
            if self.id_column.as_deref() == Some(*name) {
                ids = Some(
                    cells
                        .iter()
                        .map(|c| c.cloned().unwrap_or(Value::Null))
                        .collect(),
                );
            }
            let expected = schema.iter().find(|s| s.name == *name).map(|s| s.dtype);
            columns.push(((*name).to_owned(), json_column(&cells, expected)));
        }
        let table = Table::new(columns).map_err(|e| bad_request(e.to_string()))?;
        Ok(Request {
            table,
            ids,
            columns: names.iter().map(|s| (*s).to_owned()).collect(),
        })
    }

    /// A CSV body with a header line; the model's columns are read with the
    /// types it was fitted on, its id column as text.
    fn csv_request(&self, body: &[u8]) -> Result<Request, Reject> {
        const SOURCE: &str = "request body";
        let opts = CsvOptions::default();
        let read = |o: &CsvOptions| {
            read_csv_reader(body, SOURCE, o).map_err(|e| bad_request(e.to_string()))
        };
        let mut table = read(&opts)?;
        let mut wanted: Vec<(String, ColumnType)> = self
            .scorer
            .schema()
            .iter()
            .map(|s| (s.name.clone(), s.dtype))
            .collect();
        if let Some(id) = &self.id_column
            && !wanted.iter().any(|(n, _)| n == id)
        {
            wanted.push((id.clone(), ColumnType::Categorical));
        }
        let retype: Vec<&(String, ColumnType)> = wanted
            .iter()
            .filter(|(n, t)| table.column(n).is_ok_and(|c| c.dtype() != *t))
            .collect();
        if !retype.is_empty() {
            let mut o = opts.clone();
            for (n, t) in retype {
                o = o.with_type(n.clone(), *t);
            }
            table = read(&o)?;
        }
        if table.n_rows() == 0 {
            return Err(bad_request(
                "the CSV body has no data rows; send a header line and at least one row".into(),
            ));
        }
        self.check_size(table.n_rows(), table.n_cols())?;
        let ids = match &self.id_column {
            Some(id) => table.column(id).ok().map(|c| {
                (0..c.len())
                    .map(|i| match c {
                        Column::Numeric(n) => n.get(i).map_or(Value::Null, |x| json!(x)),
                        other => other
                            .get(i)
                            .filter(|v| !v.is_missing())
                            .map_or(Value::Null, |v| Value::String(v.to_string())),
                    })
                    .collect()
            }),
            None => None,
        };
        let columns = table
            .column_names()
            .into_iter()
            .map(str::to_owned)
            .collect();
        Ok(Request {
            table,
            ids,
            columns,
        })
    }

    /// The request's cells against the memory budget.
    fn check_size(&self, rows: usize, cols: usize) -> Result<(), Reject> {
        let n = elements("serve", &[rows, cols.max(1)])
            .map_err(|e| (StatusCode::PAYLOAD_TOO_LARGE, e.to_string()))?;
        check_allocation("serve", "the request's table", n, 8)
            .map_err(|e| (StatusCode::PAYLOAD_TOO_LARGE, e.to_string()))
    }

    /// Parses and scores one request body.
    fn score_body(&self, format: BodyFormat, body: &[u8]) -> Result<Value, Reject> {
        let request = match format {
            BodyFormat::Json => self.json_request(body)?,
            BodyFormat::Csv => self.csv_request(body)?,
        };
        if let Some(id) = &self.id_column
            && request.ids.is_none()
        {
            return Err((
                StatusCode::UNPROCESSABLE_ENTITY,
                format!(
                    "the rows have no `{id}` column; the model returns each score with its id, \
                     so every request needs it"
                ),
            ));
        }
        let scores = self
            .scorer
            .score(&request.table)
            .map_err(|e| (StatusCode::UNPROCESSABLE_ENTITY, e.to_string()))?;
        if scores.len() != request.table.n_rows() {
            return Err((
                StatusCode::INTERNAL_SERVER_ERROR,
                format!(
                    "the model returned {} scores for {} rows",
                    scores.len(),
                    request.table.n_rows()
                ),
            ));
        }
        let schema = self.scorer.schema();
        let ignored: Vec<&String> = request
            .columns
            .iter()
            .filter(|c| {
                self.id_column.as_deref() != Some(c.as_str())
                    && !schema.iter().any(|s| &s.name == *c)
            })
            .collect();
        let mut out = Map::new();
        out.insert(
            "scores".into(),
            Value::Array(scores.iter().map(|&s| json!(f64::from(s))).collect()),
        );
        if let Some(ids) = request.ids {
            out.insert("ids".into(), Value::Array(ids));
        }
        if !ignored.is_empty() {
            out.insert("ignored_columns".into(), json!(ignored));
        }
        Ok(Value::Object(out))
    }
}

/// What the `Content-Type` of a `/score` request says the body is.
#[derive(Debug, Clone, Copy)]
enum BodyFormat {
    Json,
    Csv,
}

fn body_format(headers: &HeaderMap) -> Result<BodyFormat, Reject> {
    let Some(value) = headers.get(header::CONTENT_TYPE) else {
        return Ok(BodyFormat::Json);
    };
    let text = value.to_str().unwrap_or("");
    let essence = text
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    match essence.as_str() {
        "application/json" | "" => Ok(BodyFormat::Json),
        e if e.ends_with("+json") => Ok(BodyFormat::Json),
        "text/csv" => Ok(BodyFormat::Csv),
        _ => Err((
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            format!(
                "Content-Type `{}` is not supported; send application/json \
                 ({{\"rows\": [...]}}) or text/csv (a header line, then one line per row)",
                String::from_utf8_lossy(value.as_bytes())
            ),
        )),
    }
}

/// The shared state of the routes.
struct App {
    model: Model,
    max_body_bytes: usize,
    requests: AtomicU64,
    errors: AtomicU64,
}

impl App {
    fn error(&self, status: StatusCode, message: impl Into<String>) -> Response {
        self.errors.fetch_add(1, Ordering::Relaxed);
        error(status, message)
    }
}

fn error(status: StatusCode, message: impl Into<String>) -> Response {
    (status, axum::Json(json!({ "error": message.into() }))).into_response()
}

async fn health(State(app): State<Arc<App>>) -> Response {
    app.requests.fetch_add(1, Ordering::Relaxed);
    axum::Json(json!({"status": "ok"})).into_response()
}

async fn model_info(State(app): State<Arc<App>>) -> Response {
    app.requests.fetch_add(1, Ordering::Relaxed);
    axum::Json(app.model.info.clone()).into_response()
}

async fn score(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    app.requests.fetch_add(1, Ordering::Relaxed);
    let body = match body {
        Ok(b) => b,
        Err(r) if r.status() == StatusCode::PAYLOAD_TOO_LARGE => {
            return app.error(
                StatusCode::PAYLOAD_TOO_LARGE,
                format!(
                    "the request body is larger than {} bytes (--max-body-bytes); send fewer rows \
                     per request",
                    app.max_body_bytes
                ),
            );
        }
        Err(r) => return app.error(r.status(), r.body_text()),
    };
    let format = match body_format(&headers) {
        Ok(f) => f,
        Err((status, message)) => return app.error(status, message),
    };
    let worker = Arc::clone(&app);
    match tokio::task::spawn_blocking(move || worker.model.score_body(format, &body)).await {
        Ok(Ok(value)) => axum::Json(value).into_response(),
        Ok(Err((status, message))) => app.error(status, message),
        Err(e) => app.error(
            StatusCode::INTERNAL_SERVER_ERROR,
            format!("scoring the request failed: {e}"),
        ),
    }
}

/// A route's wrong methods: 405 naming the one it accepts.
fn only(
    method: &'static str,
    path: &'static str,
    route: MethodRouter<Arc<App>>,
) -> MethodRouter<Arc<App>> {
    route.fallback(move |State(app): State<Arc<App>>| async move {
        app.requests.fetch_add(1, Ordering::Relaxed);
        let mut r = app.error(
            StatusCode::METHOD_NOT_ALLOWED,
            format!("{path} accepts {method} only"),
        );
        r.headers_mut()
            .insert(header::ALLOW, HeaderValue::from_static(method));
        r
    })
}

fn router(app: Arc<App>) -> Router {
    let limit = app.max_body_bytes;
    Router::new()
        .route("/health", only("GET", "/health", get(health)))
        .route("/model", only("GET", "/model", get(model_info)))
        .route("/score", only("POST", "/score", post(score)))
        .fallback(
            |State(app): State<Arc<App>>, uri: axum::http::Uri| async move {
                app.requests.fetch_add(1, Ordering::Relaxed);
                app.error(
                    StatusCode::NOT_FOUND,
                    format!(
                        "no route {}; the routes are POST /score, GET /health, GET /model",
                        uri.path()
                    ),
                )
            },
        )
        .layer(DefaultBodyLimit::max(limit))
        .with_state(app)
}

/// Ctrl-C, or SIGTERM on Unix.
async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = ctrl_c => {},
                    _ = term.recv() => {},
                }
            }
            Err(_) => ctrl_c.await,
        }
    }
    #[cfg(not(unix))]
    ctrl_c.await;
}

/// Loads the model and serves until Ctrl-C.
pub fn run(a: &Args) -> Result<(), Error> {
    let model = load_model(&a.model).map_err(Error::failed)?;
    if !a.quiet {
        let i = &model.info;
        eprintln!(
            "serve: {} ({} model, {} score) from {}: {} input columns, {} features, id column {}",
            i["kind"].as_str().unwrap_or(""),
            i["model"].as_str().unwrap_or(""),
            i["score"].as_str().unwrap_or(""),
            a.model.display(),
            i["input_columns"].as_array().map_or(0, Vec::len),
            i["features"].as_array().map_or(0, Vec::len),
            model.id_column.as_deref().unwrap_or("(none)"),
        );
    }
    let app = Arc::new(App {
        model,
        max_body_bytes: a.max_body_bytes,
        requests: AtomicU64::new(0),
        errors: AtomicU64::new(0),
    });
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(a.threads)
        .max_blocking_threads(a.threads)
        .enable_all()
        .build()
        .map_err(|e| Error::failed(format!("starting the server's threads: {e}")))?;
    let served = Arc::clone(&app);
    runtime.block_on(async move {
        let listener = tokio::net::TcpListener::bind(a.addr)
            .await
            .map_err(|e| Error::failed(format!("--addr {}: cannot listen: {e}", a.addr)))?;
        let local = listener
            .local_addr()
            .map_err(|e| Error::failed(format!("--addr {}: {e}", a.addr)))?;
        println!("listening on http://{local}");
        axum::serve(listener, router(served))
            .with_graceful_shutdown(shutdown_signal())
            .await
            .map_err(|e| Error::failed(format!("serving on {local}: {e}")))
    })?;
    if !a.quiet {
        eprintln!(
            "serve: stopped after {} requests ({} answered with an error)",
            app.requests.load(Ordering::Relaxed),
            app.errors.load(Ordering::Relaxed)
        );
    }
    Ok(())
}

fn main() -> ExitCode {
    let args: Vec<OsString> = std::env::args_os().skip(1).collect();
    match parse_args(args).and_then(|a| run(&a)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(Error::Help(h)) => {
            println!("{h}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("serve: error: {e}");
            ExitCode::from(e.code())
        }
    }
}
