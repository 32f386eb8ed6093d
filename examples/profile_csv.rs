//! Profiles a CSV file: inferred schema, row count, missing values and
//! summary statistics of every column.
//!
//! ```text
//! cargo run --release --example profile_csv -- FILE [--json] [--delimiter ,|;|tab||] [--type COLUMN=TYPE]...
//! cargo run --release --example profile_csv            # profiles a generated synthetic orders file
//! ```
//!
//! `TYPE` is `numeric`, `categorical`, `boolean` or `date` and overrides type
//! inference for that column (e.g. `--type customer_id=categorical --type
//! date=date` for ids with leading zeros and `YYYYMMDD` dates, which would
//! otherwise be read as numbers). With `--json` the output is one JSON object
//! with `file`, `rows`, `seconds` and `columns` (each with `name`, `type`,
//! `count`, `missing` and the type's summary statistics). `--help` lists the
//! flags; usage errors exit with status 2, failures with status 1; a file
//! that reads as one column although its header holds `;` or a tab gets a
//! warning naming the `--delimiter` to pass.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use user_analytics::cli::{self, Command, Delimiter, Error, Flag};
use user_analytics::data::csv_io::{CsvOptions, read_csv};
use user_analytics::data::describe::ColumnSummary;
use user_analytics::data::synth::{ShopConfig, generate};
use user_analytics::data::{ColumnType, Table};

const CMD: Command = Command {
    name: "profile_csv",
    about: "Profiles a CSV file: inferred schema, row count, missing values and summary \
            statistics of every column (without FILE: a generated synthetic orders file).",
    flags: &[
        Flag::switch("--json", "print one JSON object instead of text"),
        Flag::value("--delimiter", "C", "field separator: , ; | or tab").default(","),
        Flag::value(
            "--type",
            "COLUMN=TYPE",
            "force a column's type: numeric, categorical, boolean or date",
        )
        .repeatable(),
    ],
    positional: Some(("FILE", "CSV file with a header row")),
};

struct Args {
    file: Option<PathBuf>,
    json: bool,
    delimiter: u8,
    opts: CsvOptions,
}

fn parse_args() -> Result<Args, Error> {
    let m = CMD.parse(std::env::args_os().skip(1))?;
    let json = m.switch("--json");
    let delimiter = m.required::<Delimiter>("--delimiter")?.0;
    let mut opts = CsvOptions::default().delimiter(delimiter);
    for t in m.values("--type") {
        let (col, ty) = t
            .split_once('=')
            .ok_or_else(|| Error::usage(format!("--type: expected COLUMN=TYPE, found '{t}'")))?;
        let ty = match ty {
            "numeric" => ColumnType::Numeric,
            "categorical" | "text" => ColumnType::Categorical,
            "boolean" => ColumnType::Boolean,
            "date" => ColumnType::Date,
            other => {
                return Err(Error::usage(format!(
                    "--type: unknown type '{other}' for column '{col}': use numeric, categorical, boolean or date"
                )));
            }
        };
        opts = opts.with_type(col, ty);
    }
    let file = m.positional().map(PathBuf::from);
    if file.is_none() && (m.given("--delimiter") || !m.values("--type").is_empty()) {
        return Err(Error::usage("--delimiter and --type need a FILE"));
    }
    Ok(Args {
        file,
        json,
        delimiter,
        opts,
    })
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

fn run() -> Result<(), Error> {
    let args = parse_args()?;
    let (path, synthetic) = match args.file {
        Some(f) => {
            cli::check_input("FILE", &f)?;
            if let Some(w) = cli::delimiter_warning(&f, args.delimiter) {
                eprintln!("{w}");
            }
            (f, false)
        }
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
            return Err(Error::failed(format!("writing to stdout: {e}")));
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
        Err(Error::Help(h)) => {
            println!("{h}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("profile_csv: error: {e}");
            ExitCode::from(e.code())
        }
    }
}
