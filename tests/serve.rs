//! The `serve` example against a real HTTP client on the loopback
//! interface: a model is fitted and saved here, the example binary serves
//! it (`--addr 127.0.0.1:0`, the port read from its `listening on` line),
//! and plain HTTP/1.1 requests over `TcpStream` check every route, the
//! scores against the in-process model, the errors, and concurrent clients.
//!
//! `cargo test` builds the examples before it runs this file; they are
//! found next to the test binary (`target/debug/examples/serve`). Running
//! only this file (`cargo test --test serve`) after changing the example
//! needs `cargo build --example serve` first.

mod common;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use serde_json::{Value, json};

use user_analytics::analytics::pipeline::{FittedDetectorPipeline, Pipeline};
use user_analytics::analytics::prediction::{
    FittedPropensityModel, LogisticRegression, MlpClassifier, ModelKind,
};
use user_analytics::analytics::risk::{Autoencoder, IsolationForest};
use user_analytics::analytics::segmentation::KMeans;
use user_analytics::analytics::{Predictor, RiskScorer};
use user_analytics::data::csv_io::write_csv_writer;
use user_analytics::data::pipeline::ColumnTransformer;
use user_analytics::data::{Column, Table};
use user_analytics::ndarray::array;
use user_analytics::tensor::persist::Persist;

use common::example;

fn temp_dir(test: &str) -> PathBuf {
    common::temp_dir("serve", test)
}

/// `n` users: an id, visits (a few missing), a plan, bought = visits ≥ 10.
fn users(n: usize) -> (Table, Vec<u8>) {
    let ids: Vec<String> = (0..n).map(|i| format!("u{i}")).collect();
    let visits: Vec<Option<f64>> = (0..n)
        .map(|i| (i % 37 != 5).then_some(((i * 7) % 20) as f64))
        .collect();
    let plans: Vec<&str> = (0..n).map(|i| ["basic", "gold", "family"][i % 3]).collect();
    let y: Vec<u8> = visits
        .iter()
        .map(|v| u8::from(v.is_some_and(|v| v >= 10.0)))
        .collect();
    let t = Table::new(vec![
        ("user_id".into(), Column::categorical(&ids)),
        ("visits".into(), Column::numeric_opt(visits)),
        ("plan".into(), Column::categorical(&plans)),
    ])
    .unwrap();
    (t, y)
}

/// A logistic propensity pipeline with an id column, fitted on `users(300)`.
fn propensity() -> (FittedPropensityModel, Table) {
    let (t, y) = users(300);
    let prep = ColumnTransformer::auto(&t, None, &["user_id"]).unwrap();
    let pipe =
        Pipeline::new(prep, ModelKind::Logistic(LogisticRegression::new())).id_column("user_id");
    (pipe.fit(&t, &y).unwrap(), t)
}

/// The rows of `t` as JSON objects (missing values left out of the object).
fn json_rows(t: &Table) -> Value {
    let rows: Vec<Value> = (0..t.n_rows())
        .map(|i| {
            let mut o = serde_json::Map::new();
            for (name, col) in t.columns() {
                let v = match col {
                    Column::Numeric(c) => match c.get(i) {
                        Some(x) => json!(x),
                        None => continue,
                    },
                    other => json!(other.get(i).unwrap().to_string()),
                };
                o.insert(name.to_owned(), v);
            }
            Value::Object(o)
        })
        .collect();
    json!({ "rows": rows })
}

fn csv_of(t: &Table) -> Vec<u8> {
    let mut out = Vec::new();
    write_csv_writer(t, &mut out).unwrap();
    out
}

/// The running example; killed when dropped, so a failing test does not
/// leave it behind.
struct Server {
    child: Child,
    addr: String,
}

impl Server {
    fn start(model: &Path, extra: &[&str]) -> Server {
        let mut child = Command::new(example("serve"))
            .args(["--model", model.to_str().unwrap(), "--addr", "127.0.0.1:0"])
            .args(extra)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("the serve example starts");
        let mut line = String::new();
        let stdout = child.stdout.take().unwrap();
        BufReader::new(stdout).read_line(&mut line).unwrap();
        let Some(addr) = line.trim().strip_prefix("listening on http://") else {
            let _ = child.kill();
            let mut err = String::new();
            child
                .stderr
                .take()
                .unwrap()
                .read_to_string(&mut err)
                .unwrap();
            panic!("no `listening on` line; stdout {line:?}, stderr {err}");
        };
        let addr = addr.to_owned();
        Server { child, addr }
    }

    fn request(
        &self,
        method: &str,
        path: &str,
        content_type: Option<&str>,
        body: &[u8],
    ) -> (u16, Value) {
        http(&self.addr, method, path, content_type, body)
    }

    fn score_json(&self, body: &Value) -> (u16, Value) {
        self.request(
            "POST",
            "/score",
            Some("application/json"),
            body.to_string().as_bytes(),
        )
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// One HTTP/1.1 request on a fresh connection; the status and the JSON body.
fn http(
    addr: &str,
    method: &str,
    path: &str,
    content_type: Option<&str>,
    body: &[u8],
) -> (u16, Value) {
    let mut s = TcpStream::connect(addr).unwrap();
    // Only so that a hung server fails the test instead of hanging it.
    s.set_read_timeout(Some(Duration::from_secs(120))).unwrap();
    let mut head = format!(
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nContent-Length: {}\r\n",
        body.len()
    );
    if let Some(ct) = content_type {
        head.push_str(&format!("Content-Type: {ct}\r\n"));
    }
    head.push_str("\r\n");
    s.write_all(head.as_bytes()).unwrap();
    s.write_all(body).unwrap();
    let mut raw = Vec::new();
    s.read_to_end(&mut raw).unwrap();
    let text = String::from_utf8(raw).unwrap();
    let (head, payload) = text.split_once("\r\n\r\n").expect("a header and a body");
    let status: u16 = head
        .split(' ')
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or_else(|| panic!("no status in {head:?}"));
    let lower = head.to_ascii_lowercase();
    assert!(
        lower.contains("content-type: application/json"),
        "every answer is JSON: {head}"
    );
    assert!(!lower.contains("transfer-encoding: chunked"), "{head}");
    let json: Value = serde_json::from_str(payload).unwrap_or_else(|e| panic!("{e}: {payload:?}"));
    (status, json)
}

fn scores(v: &Value) -> Vec<f64> {
    v["scores"]
        .as_array()
        .unwrap_or_else(|| panic!("no scores in {v}"))
        .iter()
        .map(|s| s.as_f64().unwrap())
        .collect()
}

fn error_text(v: &Value) -> &str {
    v["error"]
        .as_str()
        .unwrap_or_else(|| panic!("no error in {v}"))
}

/// The scores equal the in-process model's, to f32 precision.
fn assert_scores(got: &[f64], want: &[f32]) {
    assert_eq!(got.len(), want.len());
    for (i, (g, w)) in got.iter().zip(want).enumerate() {
        assert!(
            (g - f64::from(*w)).abs() <= 1e-6,
            "row {i}: served {g}, in-process {w}"
        );
    }
}

#[test]
fn a_saved_pipeline_is_served_and_scores_like_the_model() {
    let dir = temp_dir("pipeline");
    let (model, table) = propensity();
    let file = dir.join("model.json");
    model.save(&file).unwrap();
    let server = Server::start(
        &file,
        &["--threads", "2", "--max-body-bytes", "64K", "--quiet"],
    );

    let (status, body) = server.request("GET", "/health", None, b"");
    assert_eq!((status, body), (200, json!({"status": "ok"})));

    let (status, info) = server.request("GET", "/model", None, b"");
    assert_eq!(status, 200);
    assert_eq!(info["kind"], "ua-analytics/pipeline");
    assert_eq!(info["format_version"], 1);
    assert_eq!(info["crate_version"], env!("CARGO_PKG_VERSION"));
    assert_eq!(info["model"], "logistic");
    assert_eq!(info["score"], "probability");
    assert_eq!(info["id_column"], "user_id");
    assert_eq!(info["training_rows"], 300);
    let inputs = info["input_columns"].as_array().unwrap();
    assert!(
        inputs.contains(&json!({"name": "visits", "type": "numeric"})),
        "{info}"
    );
    assert!(
        inputs.contains(&json!({"name": "plan", "type": "categorical"})),
        "{info}"
    );
    assert_eq!(info["features"], json!(model.feature_names()));

    // JSON rows, including rows whose `visits` is missing (left out).
    let rows = table.take(&(0..60).collect::<Vec<_>>()).unwrap();
    let want = model.predict_proba(&rows).unwrap();
    let (status, out) = server.score_json(&json_rows(&rows));
    assert_eq!(status, 200, "{out}");
    assert_scores(&scores(&out), want.as_slice().unwrap());
    let ids: Vec<String> = (0..60).map(|i| format!("u{i}")).collect();
    assert_eq!(out["ids"], json!(ids));
    assert!(out.get("ignored_columns").is_none(), "{out}");
    // The planted rule is found: p > 0.5 exactly for visits ≥ 10.
    let visits = rows.numeric("visits").unwrap();
    for i in 0..60 {
        if let Some(v) = visits.get(i) {
            assert_eq!(
                want[i] > 0.5,
                v >= 10.0,
                "row {i}: visits {v}, p {}",
                want[i]
            );
        }
    }

    // The same rows as CSV.
    let (status, out) = server.request(
        "POST",
        "/score",
        Some("text/csv; charset=utf-8"),
        &csv_of(&rows),
    );
    assert_eq!(status, 200, "{out}");
    assert_scores(&scores(&out), want.as_slice().unwrap());
    assert_eq!(out["ids"], json!(ids));

    // A column the model does not read is scored around and reported.
    let (status, out) = server.score_json(&json!({"rows": [
        {"user_id": "a", "visits": 15, "plan": "gold", "note": "vip"}]}));
    assert_eq!(status, 200, "{out}");
    assert_eq!(out["ignored_columns"], json!(["note"]));
    assert_eq!(out["ids"], json!(["a"]));

    server_answers_errors(&server);
    concurrent_clients_get_their_own_answers(&server, &model, &table);

    // Still alive and well after all of the above.
    let (status, body) = server.request("GET", "/health", None, b"");
    assert_eq!((status, body), (200, json!({"status": "ok"})));
    let _ = std::fs::remove_dir_all(&dir);
}

fn server_answers_errors(server: &Server) {
    // Not JSON.
    let (status, out) = server.request("POST", "/score", Some("application/json"), b"{\"rows\": [");
    assert_eq!(status, 400, "{out}");
    assert!(error_text(&out).contains("not valid JSON"), "{out}");
    // JSON without rows; rows that are not objects; a nested cell.
    let (status, out) = server.score_json(&json!({"row": []}));
    assert_eq!(status, 400);
    assert!(error_text(&out).contains("no `rows`"), "{out}");
    let (status, out) = server.score_json(&json!({"rows": [{"visits": 1}, 7]}));
    assert_eq!(status, 400);
    assert!(error_text(&out).contains("rows[1]: a number"), "{out}");
    let (status, out) = server.score_json(&json!({"rows": [{"visits": [1, 2]}]}));
    assert_eq!(status, 400);
    assert!(
        error_text(&out).contains("rows[0], column `visits`: an array"),
        "{out}"
    );
    let (status, out) = server.score_json(&json!({"rows": [{}, {}]}));
    assert_eq!(status, 400);
    assert!(error_text(&out).contains("every row is empty"), "{out}");
    let (status, out) = server.score_json(&json!({"rows": []}));
    assert_eq!(status, 400);
    assert!(error_text(&out).contains("`rows` is empty"), "{out}");

    // A column the model needs is missing: 422 naming it.
    let (status, out) = server.score_json(&json!({"rows": [{"user_id": "a", "plan": "gold"}]}));
    assert_eq!(status, 422, "{out}");
    assert!(error_text(&out).contains("visits"), "{out}");
    // A value of the wrong type: 422 naming the column and the value.
    let (status, out) = server.score_json(&json!({"rows": [
        {"user_id": "a", "visits": 3, "plan": "gold"},
        {"user_id": "b", "visits": "lots", "plan": "gold"}]}));
    assert_eq!(status, 422, "{out}");
    let e = error_text(&out);
    assert!(e.contains("visits") && e.contains("lots"), "{out}");
    // The id column is needed to return the scores with their ids.
    let (status, out) = server.score_json(&json!({"rows": [{"visits": 3, "plan": "gold"}]}));
    assert_eq!(status, 422, "{out}");
    assert!(error_text(&out).contains("`user_id`"), "{out}");
    // A CSV body with a bad line.
    let (status, out) = server.request(
        "POST",
        "/score",
        Some("text/csv"),
        b"user_id,visits,plan\nu1,3,gold\nu2,3,gold,extra\n",
    );
    assert_eq!(status, 400, "{out}");
    assert!(error_text(&out).contains("line 3"), "{out}");

    // Over --max-body-bytes (64K): 413.
    let big = vec![b' '; 70 * 1024];
    let (status, out) = server.request("POST", "/score", Some("application/json"), &big);
    assert_eq!(status, 413, "{out}");
    assert!(error_text(&out).contains("--max-body-bytes"), "{out}");
    // Another content type: 415.
    let (status, out) = server.request("POST", "/score", Some("text/plain"), b"x");
    assert_eq!(status, 415, "{out}");
    assert!(error_text(&out).contains("text/plain"), "{out}");
    // Unknown route, wrong methods.
    let (status, out) = server.request("GET", "/predict", None, b"");
    assert_eq!(status, 404);
    assert!(error_text(&out).contains("no route /predict"), "{out}");
    let (status, out) = server.request("GET", "/score", None, b"");
    assert_eq!(status, 405);
    assert!(
        error_text(&out).contains("/score accepts POST only"),
        "{out}"
    );
    let (status, out) = server.request("POST", "/health", Some("application/json"), b"{}");
    assert_eq!(status, 405);
    assert!(
        error_text(&out).contains("/health accepts GET only"),
        "{out}"
    );
}

/// 8 clients at once, each several requests of its own rows.
fn concurrent_clients_get_their_own_answers(
    server: &Server,
    model: &FittedPropensityModel,
    table: &Table,
) {
    std::thread::scope(|s| {
        for c in 0..8 {
            s.spawn(move || {
                for r in 0..4 {
                    let start = (c * 4 + r) * 7 % 250;
                    let idx: Vec<usize> = (start..start + 1 + c * 5).collect();
                    let rows = table.take(&idx).unwrap();
                    let want = model.predict_proba(&rows).unwrap();
                    let (status, out) = server.score_json(&json_rows(&rows));
                    assert_eq!(status, 200, "client {c}: {out}");
                    assert_scores(&scores(&out), want.as_slice().unwrap());
                    let ids: Vec<String> = idx.iter().map(|i| format!("u{i}")).collect();
                    assert_eq!(out["ids"], json!(ids), "client {c}");
                }
            });
        }
    });
}

#[test]
fn a_saved_detector_pipeline_serves_risk_scores() {
    let dir = temp_dir("detector");
    let n = 300;
    let ids: Vec<f64> = (0..n).map(|i| 1000.0 + i as f64).collect();
    let orders: Vec<f64> = (0..n)
        .map(|i| if i == 42 { 60.0 } else { (i % 4) as f64 })
        .collect();
    let t = Table::new(vec![
        ("account".into(), Column::numeric(ids)),
        ("orders_1h".into(), Column::numeric(orders)),
    ])
    .unwrap();
    let prep = ColumnTransformer::auto(&t, None, &["account"]).unwrap();
    let fitted: FittedDetectorPipeline<ColumnTransformer, IsolationForest> =
        Pipeline::new(prep, IsolationForest::new())
            .id_column("account")
            .fit_unsupervised(&t)
            .unwrap();
    let file = dir.join("risk.json");
    fitted.save(&file).unwrap();
    let server = Server::start(&file, &["--quiet"]);

    let (status, info) = server.request("GET", "/model", None, b"");
    assert_eq!(status, 200);
    assert_eq!(info["kind"], "ua-analytics/detector-pipeline");
    assert_eq!(info["model"], "isolation_forest");
    assert_eq!(info["score"], "risk");
    assert_eq!(info["id_column"], "account");
    assert!(
        info["input_columns"]
            .as_array()
            .unwrap()
            .contains(&json!({"name": "orders_1h", "type": "numeric"})),
        "{info}"
    );

    let rows = t.take(&[40, 41, 42, 43]).unwrap();
    let want = fitted.risk_score(&rows).unwrap();
    let (status, out) = server.score_json(&json_rows(&rows));
    assert_eq!(status, 200, "{out}");
    let got = scores(&out);
    assert_scores(&got, want.as_slice().unwrap());
    // Numeric ids come back as the numbers sent; the planted row is the riskiest.
    assert_eq!(out["ids"], json!([1040.0, 1041.0, 1042.0, 1043.0]));
    assert!(
        got[2] > got[0] && got[2] > got[1] && got[2] > got[3],
        "{got:?}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// Serves `file` and checks `GET /model` names `model` and `score`, and that
/// the scores of four rows are `want`.
fn serves_like(file: &Path, model: &str, score: &str, rows: &Table, want: &[f32]) {
    let server = Server::start(file, &["--quiet"]);
    let (status, info) = server.request("GET", "/model", None, b"");
    assert_eq!(status, 200, "{info}");
    assert_eq!(
        (info["model"].as_str(), info["score"].as_str()),
        (Some(model), Some(score))
    );
    assert_eq!(info["id_column"], "user_id", "{info}");
    let (status, out) = server.score_json(&json_rows(rows));
    assert_eq!(status, 200, "{out}");
    assert_scores(&scores(&out), want);
}

#[test]
fn every_model_type_a_supported_kind_holds_is_served() {
    // Not only the propensity form (`ModelKind`): a pipeline of a bare
    // logistic regression or MLP, and an autoencoder detector pipeline.
    let dir = temp_dir("types");
    let (t, y) = users(300);
    let rows = t.take(&[0, 1, 2, 3]).unwrap();
    let prep = || ColumnTransformer::auto(&t, None, &["user_id"]).unwrap();

    let logistic = Pipeline::new(prep(), LogisticRegression::new())
        .id_column("user_id")
        .fit(&t, &y)
        .unwrap();
    let file = dir.join("logistic.json");
    logistic.save(&file).unwrap();
    let want = logistic.predict_proba(&rows).unwrap();
    serves_like(
        &file,
        "logistic",
        "probability",
        &rows,
        want.as_slice().unwrap(),
    );

    let mlp = Pipeline::new(prep(), MlpClassifier::new().hidden(&[4]).epochs(3))
        .id_column("user_id")
        .fit(&t, &y)
        .unwrap();
    let file = dir.join("mlp.json");
    mlp.save(&file).unwrap();
    let want = mlp.predict_proba(&rows).unwrap();
    serves_like(&file, "mlp", "probability", &rows, want.as_slice().unwrap());

    let ae = Pipeline::new(prep(), Autoencoder::new().epochs(3).seed(1))
        .id_column("user_id")
        .fit_unsupervised(&t)
        .unwrap();
    let file = dir.join("autoencoder.json");
    ae.save(&file).unwrap();
    let want = ae.risk_score(&rows).unwrap();
    serves_like(
        &file,
        "autoencoder",
        "risk",
        &rows,
        want.as_slice().unwrap(),
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// Runs the example to its end; (status, stdout, stderr).
fn run(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(example("serve"))
        .args(args)
        .env_remove("RUST_BACKTRACE")
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn startup_errors_are_clear() {
    let dir = temp_dir("startup");
    // Usage: help, a missing --model, bad values.
    let (code, stdout, _) = run(&["--help"]);
    assert_eq!(code, 0);
    assert!(
        stdout.starts_with("usage: serve") && stdout.contains("Exit status"),
        "{stdout}"
    );
    let (code, _, err) = run(&[]);
    assert_eq!(code, 2);
    assert!(err.contains("--model FILE is required"), "{err}");
    let (code, _, err) = run(&["--model", "m.json", "--addr", "localhost"]);
    assert_eq!(code, 2);
    assert!(
        err.contains("--addr: 'localhost' is not an IP:PORT"),
        "{err}"
    );
    let (code, _, err) = run(&["--model", "m.json", "--max-body-bytes", "0"]);
    assert_eq!(code, 2);
    assert!(err.contains("--max-body-bytes: '0'"), "{err}");
    let (code, _, err) = run(&["--bogus"]);
    assert_eq!(code, 2);
    assert!(err.contains("unknown flag --bogus"), "{err}");

    // A file that is not there, not a model, or a model of another kind.
    let missing = dir.join("nope.json");
    let (code, _, err) = run(&["--model", missing.to_str().unwrap()]);
    assert_eq!(code, 1);
    assert!(err.contains("nope.json"), "{err}");
    let junk = dir.join("junk.json");
    std::fs::write(&junk, "{\"hello\": 1}").unwrap();
    let (code, _, err) = run(&["--model", junk.to_str().unwrap()]);
    assert_eq!(code, 1);
    assert!(err.contains("not a user-analytics model file"), "{err}");
    let kmeans = KMeans::new(1)
        .fit(array![[0.0f32, 1.0], [1.0, 0.0]].view())
        .unwrap();
    let other = dir.join("kmeans.json");
    kmeans.save(&other).unwrap();
    let (code, _, err) = run(&["--model", other.to_str().unwrap()]);
    assert_eq!(code, 1);
    assert!(
        err.contains("ua-analytics/kmeans-f32")
            && err.contains("ua-analytics/pipeline")
            && err.contains("ua-analytics/detector-pipeline"),
        "{err}"
    );
    // A pipeline file whose model is broken: the library's message.
    let (model, _) = propensity();
    let json = model.to_json().unwrap();
    let broken = dir.join("broken.json");
    std::fs::write(
        &broken,
        json.replace("\"format_version\":1", "\"format_version\":99"),
    )
    .unwrap();
    let (code, _, err) = run(&["--model", broken.to_str().unwrap()]);
    assert_eq!(code, 1);
    assert!(err.contains("format version 99 is not supported"), "{err}");
    let _ = std::fs::remove_dir_all(&dir);
}
