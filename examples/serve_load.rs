//! A bounded local load test of the `serve` example: fits a propensity
//! pipeline on a planted table, saves it, starts `serve` on it (the binary
//! next to this one), then `--clients` threads each send `--requests`
//! `POST /score` requests of `--rows` JSON rows over keep-alive HTTP/1.1
//! connections on the loopback interface, and prints the latency
//! percentiles and the throughput.
//!
//! ```text
//! cargo build --release --example serve --example serve_load
//! target/release/examples/serve_load [--clients 8] [--requests 200] [--rows 1,100]
//!     [--threads 2] [--model logistic|mlp] [--json]
//! ```
//!
//! Every answer is checked (status 200, one score per row); a failed
//! request stops the run with its message. The figures are those of this
//! machine at the time of the run, client and server sharing its cores.

use std::ffi::OsString;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::PathBuf;
use std::process::{Child, Command as Process, ExitCode, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use user_analytics::analytics::pipeline::Pipeline;
use user_analytics::analytics::prediction::{LogisticRegression, MlpClassifier, ModelKind};
use user_analytics::cli::{Command, Error, Flag};
use user_analytics::data::pipeline::ColumnTransformer;
use user_analytics::data::{Column, Table};
use user_analytics::tensor::persist::Persist;

/// The command line.
pub const CMD: Command = Command {
    name: "serve_load",
    about: "Load test of the serve example on this machine: fits and saves a model, starts \
            serve on 127.0.0.1, sends concurrent POST /score requests and prints latency \
            percentiles and throughput.",
    flags: &[
        Flag::value("--clients", "N", "concurrent clients (one connection each)").default("8"),
        Flag::value("--requests", "M", "requests per client").default("200"),
        Flag::value("--rows", "R,R", "rows per request, one run per value").default("1,100"),
        Flag::value("--threads", "N", "the server's --threads").default("2"),
        Flag::value("--model", "KIND", "logistic or mlp").default("logistic"),
        Flag::switch("--json", "print one JSON object per run"),
    ],
    positional: None,
};

/// The parsed command line.
#[derive(Debug, Clone)]
pub struct Args {
    clients: usize,
    requests: usize,
    rows: Vec<usize>,
    threads: usize,
    model: String,
    json: bool,
}

fn parse_args<I: IntoIterator<Item = OsString>>(args: I) -> Result<Args, Error> {
    let m = CMD.parse(args)?;
    let positive = |flag: &str| -> Result<usize, Error> {
        match m.required::<usize>(flag)? {
            0 => Err(Error::usage(format!("{flag}: must be at least 1"))),
            n => Ok(n),
        }
    };
    let mut rows = Vec::new();
    for r in m.list("--rows") {
        match r.parse::<usize>() {
            Ok(n) if (1..=100_000).contains(&n) => rows.push(n),
            _ => {
                return Err(Error::usage(format!(
                    "--rows: '{r}' is not a row count from 1 to 100000"
                )));
            }
        }
    }
    let model: String = m.required("--model")?;
    if !["logistic", "mlp"].contains(&model.as_str()) {
        return Err(Error::usage(format!(
            "--model: '{model}' is not logistic or mlp"
        )));
    }
    Ok(Args {
        clients: positive("--clients")?,
        requests: positive("--requests")?,
        rows,
        threads: positive("--threads")?,
        model,
        json: m.switch("--json"),
    })
}

/// `n` users: an id, visits, a plan; bought = visits ≥ 10.
fn users(n: usize) -> Result<(Table, Vec<u8>), String> {
    let ids: Vec<String> = (0..n).map(|i| format!("u{i}")).collect();
    let visits: Vec<f64> = (0..n).map(|i| ((i * 7) % 20) as f64).collect();
    let plans: Vec<&str> = (0..n).map(|i| ["basic", "gold", "family"][i % 3]).collect();
    let y = visits.iter().map(|&v| u8::from(v >= 10.0)).collect();
    let t = Table::new(vec![
        ("user_id".into(), Column::categorical(&ids)),
        ("visits".into(), Column::numeric(visits)),
        ("plan".into(), Column::categorical(&plans)),
    ])
    .map_err(|e| e.to_string())?;
    Ok((t, y))
}

/// The `serve` process; killed when dropped.
struct Server {
    child: Child,
    addr: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start_server(model: &std::path::Path, threads: usize) -> Result<Server, String> {
    let exe = std::env::current_exe().map_err(|e| e.to_string())?;
    let serve = exe.with_file_name(format!("serve{}", std::env::consts::EXE_SUFFIX));
    if !serve.exists() {
        return Err(format!(
            "{} is missing: build it with `cargo build --release --example serve`",
            serve.display()
        ));
    }
    let mut child = Process::new(&serve)
        .arg("--model")
        .arg(model)
        .args(["--addr", "127.0.0.1:0", "--quiet", "--threads"])
        .arg(threads.to_string())
        .stdout(Stdio::piped())
        .spawn()
        .map_err(|e| format!("{}: {e}", serve.display()))?;
    let mut line = String::new();
    if let Some(out) = child.stdout.take() {
        BufReader::new(out)
            .read_line(&mut line)
            .map_err(|e| e.to_string())?;
    }
    match line.trim().strip_prefix("listening on http://") {
        Some(addr) => Ok(Server {
            addr: addr.to_owned(),
            child,
        }),
        None => {
            let _ = child.kill();
            let _ = child.wait();
            Err(format!("serve did not start (its first line: {line:?})"))
        }
    }
}

/// One keep-alive connection.
struct Client {
    reader: BufReader<TcpStream>,
    writer: TcpStream,
    addr: String,
}

impl Client {
    fn connect(addr: &str) -> Result<Client, String> {
        let s = TcpStream::connect(addr).map_err(|e| format!("{addr}: {e}"))?;
        s.set_nodelay(true).map_err(|e| e.to_string())?;
        s.set_read_timeout(Some(Duration::from_secs(60)))
            .map_err(|e| e.to_string())?;
        let writer = s.try_clone().map_err(|e| e.to_string())?;
        Ok(Client {
            reader: BufReader::new(s),
            writer,
            addr: addr.to_owned(),
        })
    }

    /// `POST /score` with `body`; the status and the response body.
    fn score(&mut self, body: &[u8]) -> Result<(u16, Vec<u8>), String> {
        let head = format!(
            "POST /score HTTP/1.1\r\nHost: {}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n",
            self.addr,
            body.len()
        );
        self.writer
            .write_all(head.as_bytes())
            .and_then(|()| self.writer.write_all(body))
            .map_err(|e| e.to_string())?;
        let mut status = None;
        let mut length = None;
        loop {
            let mut line = String::new();
            let n = self
                .reader
                .read_line(&mut line)
                .map_err(|e| e.to_string())?;
            if n == 0 {
                return Err("the server closed the connection".into());
            }
            let line = line.trim_end();
            if line.is_empty() {
                break;
            }
            if status.is_none() {
                status = line.split(' ').nth(1).and_then(|c| c.parse::<u16>().ok());
            } else if let Some((k, v)) = line.split_once(':')
                && k.eq_ignore_ascii_case("content-length")
            {
                length = v.trim().parse::<usize>().ok();
            }
        }
        let (Some(status), Some(length)) = (status, length) else {
            return Err("an answer without status or Content-Length".into());
        };
        let mut payload = vec![0; length];
        self.reader
            .read_exact(&mut payload)
            .map_err(|e| e.to_string())?;
        Ok((status, payload))
    }
}

/// The `q`-quantile of sorted durations (nearest rank).
fn quantile(sorted: &[Duration], q: f64) -> Duration {
    let rank = ((q * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len());
    sorted[rank - 1]
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

/// One run: every client sends its requests; the sorted latencies and the
/// wall time.
fn load(
    addr: &str,
    a: &Args,
    body: &[u8],
    rows: usize,
) -> Result<(Vec<Duration>, Duration), String> {
    let start = Instant::now();
    let per_client: Vec<Result<Vec<Duration>, String>> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..a.clients)
            .map(|_| {
                s.spawn(move || -> Result<Vec<Duration>, String> {
                    let mut c = Client::connect(addr)?;
                    let mut lat = Vec::with_capacity(a.requests);
                    for _ in 0..a.requests {
                        let t = Instant::now();
                        let (status, payload) = c.score(body)?;
                        lat.push(t.elapsed());
                        let v: Value = serde_json::from_slice(&payload)
                            .map_err(|e| format!("answer is not JSON: {e}"))?;
                        let n = v["scores"].as_array().map_or(0, Vec::len);
                        if status != 200 || n != rows {
                            return Err(format!(
                                "status {status}, {n} scores for {rows} rows: {v}"
                            ));
                        }
                    }
                    Ok(lat)
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| {
                h.join()
                    .unwrap_or_else(|_| Err("a client thread panicked".into()))
            })
            .collect()
    });
    let wall = start.elapsed();
    let mut all = Vec::with_capacity(a.clients * a.requests);
    for r in per_client {
        all.extend(r?);
    }
    all.sort();
    Ok((all, wall))
}

fn run(a: &Args) -> Result<String, Error> {
    let (table, y) = users(2000)?;
    let prep = ColumnTransformer::auto(&table, None, &["user_id"]).map_err(|e| e.to_string())?;
    let kind = match a.model.as_str() {
        "mlp" => ModelKind::Mlp(MlpClassifier::new().seed(7)),
        _ => ModelKind::Logistic(LogisticRegression::new()),
    };
    let model = Pipeline::new(prep, kind)
        .id_column("user_id")
        .fit(&table, &y)
        .map_err(|e| e.to_string())?;
    let dir = std::env::temp_dir().join(format!("ua_serve_load_{}", std::process::id()));
    std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let file: PathBuf = dir.join("model.json");
    model.save(&file).map_err(|e| e.to_string())?;
    let server = start_server(&file, a.threads)?;
    let mut out = String::new();
    if !a.json {
        out.push_str(&format!(
            "serve on {} ({} model, --threads {}), {} clients × {} requests\n\
             {:>5} {:>9} {:>9} {:>9} {:>9} {:>10} {:>11}\n",
            server.addr,
            a.model,
            a.threads,
            a.clients,
            a.requests,
            "rows",
            "p50 ms",
            "p95 ms",
            "p99 ms",
            "max ms",
            "req/s",
            "rows/s"
        ));
    }
    for &rows in &a.rows {
        let batch: Vec<Value> = (0..rows)
            .map(|i| {
                let r = i % table.n_rows();
                let plan = ["basic", "gold", "family"][r % 3];
                json!({
                    "user_id": format!("u{r}"),
                    "visits": ((r * 7) % 20) as f64,
                    "plan": plan,
                })
            })
            .collect();
        let body = json!({ "rows": batch }).to_string().into_bytes();
        // A short warm-up, not measured.
        load(
            &server.addr,
            &Args {
                requests: 5,
                ..a.clone()
            },
            &body,
            rows,
        )?;
        let (lat, wall) = load(&server.addr, a, &body, rows)?;
        let n = lat.len() as f64;
        let rps = n / wall.as_secs_f64();
        let (p50, p95, p99, max) = (
            quantile(&lat, 0.5),
            quantile(&lat, 0.95),
            quantile(&lat, 0.99),
            lat[lat.len() - 1],
        );
        if a.json {
            out.push_str(&format!(
                "{}\n",
                json!({"model": a.model, "server_threads": a.threads, "clients": a.clients,
                    "requests": lat.len(), "rows": rows, "p50_ms": ms(p50), "p95_ms": ms(p95),
                    "p99_ms": ms(p99), "max_ms": ms(max), "requests_per_s": rps,
                    "rows_per_s": rps * rows as f64, "body_bytes": body.len()})
            ));
        } else {
            out.push_str(&format!(
                "{rows:>5} {:>9.3} {:>9.3} {:>9.3} {:>9.3} {rps:>10.0} {:>11.0}\n",
                ms(p50),
                ms(p95),
                ms(p99),
                ms(max),
                rps * rows as f64
            ));
        }
    }
    drop(server);
    let _ = std::fs::remove_dir_all(&dir);
    Ok(out)
}

fn main() -> ExitCode {
    let args: Vec<OsString> = std::env::args_os().skip(1).collect();
    match parse_args(args).and_then(|a| run(&a)) {
        Ok(out) => {
            print!("{out}");
            ExitCode::SUCCESS
        }
        Err(Error::Help(h)) => {
            println!("{h}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("serve_load: error: {e}");
            ExitCode::from(e.code())
        }
    }
}
