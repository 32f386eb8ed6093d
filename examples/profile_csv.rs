//! Profiles a CSV file: inferred schema, row count, missing values and
//! summary statistics of every column.
//!
//! ```text
//! cargo run --release --example profile_csv -- FILE [--json] [--delimiter C] [--type COLUMN=TYPE]...
//! cargo run --release --example profile_csv            # profiles a generated synthetic orders file
//! ```
//!
//! `TYPE` is `numeric`, `categorical`, `boolean` or `date` and overrides type
//! inference for that column (e.g. `--type customer_id=categorical --type
//! date=date` for ids with leading zeros and `YYYYMMDD` dates, which would
//! otherwise be read as numbers). With `--json` the output is one JSON object
//! with `file`, `rows`, `seconds` and `columns` (each with `name`, `type`,
//! `count`, `missing` and the type's summary statistics).

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use user_analytics::data::csv_io::{CsvOptions, read_csv};
use user_analytics::data::describe::ColumnSummary;
use user_analytics::data::synth::{ShopConfig, generate};
use user_analytics::data::{ColumnType, Table};

const USAGE: &str = "usage: profile_csv [FILE] [--json] [--delimiter C] [--type COLUMN=TYPE]...
  FILE        CSV file with a header row (default: a generated synthetic orders file)
  --json      print one JSON object instead of text
  --delimiter field separator, one ASCII character (default ,)
  --type      force a column's type: numeric, categorical, boolean or date";

struct Args {
    file: Option<PathBuf>,
    json: bool,
    opts: CsvOptions,
}

fn parse_args() -> Result<Args, String> {
    let mut p = pico_args::Arguments::from_env();
    if p.contains(["-h", "--help"]) {
        println!("{USAGE}");
        std::process::exit(0);
    }
    let json = p.contains("--json");
    let mut opts = CsvOptions::default();
    if let Some(d) = p
        .opt_value_from_str::<_, String>("--delimiter")
        .map_err(|e| e.to_string())?
    {
        let b = match d.as_str() {
            "\\t" | "tab" => b'\t',
            s if s.len() == 1 => s.as_bytes()[0],
            s => {
                return Err(format!(
                    "--delimiter must be one ASCII character, found {s:?}"
                ));
            }
        };
        opts = opts.delimiter(b);
    }
    let types: Vec<String> = p.values_from_str("--type").map_err(|e| e.to_string())?;
    for t in types {
        let (col, ty) = t
            .split_once('=')
            .ok_or_else(|| format!("--type expects COLUMN=TYPE, found {t:?}"))?;
        let ty = match ty {
            "numeric" => ColumnType::Numeric,
            "categorical" => ColumnType::Categorical,
            "boolean" => ColumnType::Boolean,
            "date" => ColumnType::Date,
            other => {
                return Err(format!(
                    "unknown type {other:?} for column {col:?}: use numeric, categorical, boolean or date"
                ));
            }
        };
        opts = opts.with_type(col, ty);
    }
    let file: Option<PathBuf> = p.opt_free_from_str().map_err(|e| e.to_string())?;
    let rest = p.finish();
    if !rest.is_empty() {
        return Err(format!("unexpected arguments: {rest:?}"));
    }
    Ok(Args { file, json, opts })
}

/// Generates a small synthetic shop and writes its CSVs to a fresh temp dir;
/// returns the path of `orders.csv`.
fn synthetic_orders() -> Result<PathBuf, String> {
    let shop = generate(&ShopConfig::small()).map_err(|e| e.to_string())?;
    let dir = std::env::temp_dir().join(format!("ua_profile_csv_{}", std::process::id()));
    let paths = shop.write_csvs(&dir).map_err(|e| e.to_string())?;
    paths
        .into_iter()
        .find(|p| p.ends_with("orders.csv"))
        .ok_or_else(|| "the synthetic shop wrote no orders.csv".to_string())
}

fn text_report(file: &str, table: &Table, seconds: f64) -> String {
    use std::fmt::Write as _;
    let mut o = String::new();
    let _ = writeln!(o, "file: {file}");
    let _ = writeln!(
        o,
        "rows: {}, columns: {} (read in {seconds:.3} s)\n",
        table.n_rows(),
        table.n_cols()
    );
    let _ = writeln!(o, "schema:");
    let w = table
        .column_names()
        .iter()
        .map(|n| n.len())
        .max()
        .unwrap_or(0);
    for (name, col) in table.columns() {
        let missing = col.missing_count();
        let pct = if table.n_rows() > 0 {
            100.0 * missing as f64 / table.n_rows() as f64
        } else {
            0.0
        };
        let _ = writeln!(
            o,
            "  {name:<w$}  {:<11}  missing {missing} ({pct:.1} %)",
            col.dtype().name()
        );
    }
    let _ = writeln!(o, "\nfirst rows:\n{}\n", table.to_pretty_string(5));
    let _ = write!(o, "{}", table.describe());
    o
}

/// The `--json` output (fields in this order).
#[derive(serde::Serialize)]
struct Profile<'a> {
    file: &'a str,
    rows: usize,
    seconds: f64,
    columns: &'a [ColumnSummary],
}

fn run() -> Result<(), String> {
    let args = parse_args().map_err(|e| format!("{e}\n{USAGE}"))?;
    let (path, synthetic) = match args.file {
        Some(f) => (f, false),
        None => (synthetic_orders()?, true),
    };
    let start = Instant::now();
    let table = read_csv(&path, &args.opts).map_err(|e| e.to_string())?;
    let seconds = start.elapsed().as_secs_f64();
    let name = path.display().to_string();
    let report = if args.json {
        let d = table.describe();
        let profile = Profile {
            file: &name,
            rows: d.rows,
            seconds,
            columns: &d.columns,
        };
        serde_json::to_string_pretty(&profile).map_err(|e| e.to_string())? + "\n"
    } else {
        let mut r = String::new();
        if synthetic {
            r.push_str("(no FILE given: profiling a generated synthetic orders file)\n");
        }
        r + &text_report(&name, &table, seconds)
    };
    // A closed pipe (`| head`) is not an error worth a panic.
    let mut stdout = std::io::stdout().lock();
    match stdout
        .write_all(report.as_bytes())
        .and_then(|()| stdout.flush())
    {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => {
            return Err(format!("writing to stdout: {e}"));
        }
        _ => {}
    }
    if synthetic && let Some(dir) = path.parent() {
        let _ = std::fs::remove_dir_all(dir);
    }
    Ok(())
}

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}
