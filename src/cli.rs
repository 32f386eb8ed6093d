//! Command-line plumbing shared by the examples: one flag parser, the exit
//! status convention, and the guards a command-line tool needs before it
//! starts work.
//!
//! | item | what |
//! | --- | --- |
//! | [`Command`], [`Flag`] | declarative flag specs; `--help`/`-h` prints [`Command::usage`] with the defaults |
//! | [`Matches`] | the parsed flags; typed values whose errors name the flag |
//! | [`Error`] | help (exit 0), usage error (exit 2) or runtime failure (exit 1) |
//! | [`check_output`] | never write over an input; replace an existing file only with `--force` |
//! | [`Delimiter`], [`delimiter_warning`] | `--delimiter` values and the "looks `;`-separated" hint |
//! | [`check_size`] | a size flag checked against the memory budget (`UA_MEMORY_BUDGET`) before allocating |
//! | [`read_table`] | a CSV read with type inference, ids kept as text, a text typo in a numeric column an error with its line |
//! | [`read_test_rows`], [`parse_test_rows`] | a `--test-rows` file: 0-based data rows, checked |
//! | [`numeric_matrix`] | numeric columns of a table read from a file, with file line and column in every error |
//!
//! Nothing here prints: a program prints [`Error`]'s message on stderr (or
//! the help text on stdout) and exits with [`Error::code`].
//!
//! ```
//! use user_analytics::cli::{Command, Flag};
//! const CMD: Command = Command {
//!     name: "demo",
//!     about: "A demonstration.",
//!     flags: &[
//!         Flag::value("--seed", "N", "seed of the split").default("42"),
//!         Flag::switch("--json", "print JSON"),
//!     ],
//!     positional: None,
//! };
//! let m = CMD.parse(["--json"]).unwrap();
//! assert_eq!(m.value::<u64>("--seed").unwrap(), Some(42));
//! assert!(m.switch("--json"));
//! let e = CMD.parse(["--seed", "abc"]).unwrap().value::<u64>("--seed").unwrap_err();
//! assert_eq!(e.to_string(), "--seed: 'abc' is not a non-negative integer");
//! assert_eq!(e.code(), 2);
//! ```

use std::ffi::OsString;
use std::fmt;
use std::io::Read;
use std::path::{Path, PathBuf};

use std::collections::HashMap;

use ua_data::csv_io::{CsvOptions, read_csv};
use ua_data::{Column, ColumnType, Table};
use ua_tensor::ndarray::Array2;

/// How a program ends when it does not succeed normally.
///
/// ```
/// use user_analytics::cli::Error;
/// assert_eq!(Error::usage("--k must be at least 2").code(), 2);
/// assert_eq!(Error::from("file.csv: no data rows".to_string()).code(), 1);
/// assert_eq!(Error::Help("usage: demo".into()).code(), 0);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Error {
    /// `--help` or `-h` was given: print this text on stdout, exit 0.
    Help(String),
    /// The command line is wrong (exit status 2).
    Usage(String),
    /// The command line was fine but the work failed, e.g. on bad data (exit status 1).
    Failed(String),
}

impl Error {
    /// A usage error (exit status 2).
    ///
    /// ```
    /// let e = user_analytics::cli::Error::usage("--k: must be at least 1");
    /// assert_eq!(e.to_string(), "--k: must be at least 1");
    /// ```
    pub fn usage(message: impl Into<String>) -> Self {
        Error::Usage(message.into())
    }

    /// A runtime failure (exit status 1).
    ///
    /// ```
    /// assert_eq!(user_analytics::cli::Error::failed("boom").code(), 1);
    /// ```
    pub fn failed(message: impl Into<String>) -> Self {
        Error::Failed(message.into())
    }

    /// The process exit status: 0 for help, 2 for usage errors, 1 otherwise.
    ///
    /// ```
    /// assert_eq!(user_analytics::cli::Error::usage("x").code(), 2);
    /// ```
    pub fn code(&self) -> u8 {
        match self {
            Error::Help(_) => 0,
            Error::Usage(_) => 2,
            Error::Failed(_) => 1,
        }
    }

    /// Prefixes the message with context (`"predict: "`, a file name, ...),
    /// keeping the kind.
    ///
    /// ```
    /// let e = user_analytics::cli::Error::failed("no rows").context("a.csv");
    /// assert_eq!(e.to_string(), "a.csv: no rows");
    /// ```
    pub fn context(self, prefix: impl fmt::Display) -> Self {
        match self {
            Error::Help(h) => Error::Help(h),
            Error::Usage(m) => Error::Usage(format!("{prefix}: {m}")),
            Error::Failed(m) => Error::Failed(format!("{prefix}: {m}")),
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Help(m) | Error::Usage(m) | Error::Failed(m) => f.write_str(m),
        }
    }
}

impl std::error::Error for Error {}

impl From<String> for Error {
    fn from(message: String) -> Self {
        Error::Failed(message)
    }
}

impl From<&str> for Error {
    fn from(message: &str) -> Self {
        Error::Failed(message.to_owned())
    }
}

/// The `--quiet` switch of every example that draws progress: no progress
/// line on stderr (it is drawn only on a terminal anyway); errors and
/// warnings are still said.
///
/// ```
/// use user_analytics::cli::{Command, QUIET};
/// const CMD: Command = Command { name: "fit", about: "", positional: None, flags: &[QUIET] };
/// assert!(CMD.parse(["--quiet"]).unwrap().switch("--quiet"));
/// ```
pub const QUIET: Flag = Flag::switch(
    "--quiet",
    "no progress line on stderr (drawn only on a terminal anyway)",
);

/// One flag of a [`Command`]: a switch (`--json`) or a flag with a value
/// (`--seed N`), with its help line and default.
///
/// ```
/// use user_analytics::cli::Flag;
/// let f = Flag::value("--k", "N", "number of clusters").default("4");
/// assert_eq!((f.name, f.value_name, f.default), ("--k", Some("N"), Some("4")));
/// assert!(Flag::switch("--json", "print JSON").value_name.is_none());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Flag {
    /// `--name`.
    pub name: &'static str,
    /// The value's placeholder in the help (`FILE`, `N`); `None` for a switch.
    pub value_name: Option<&'static str>,
    /// Default value, shown in the help and returned when the flag is absent.
    pub default: Option<&'static str>,
    /// One line of help.
    pub help: &'static str,
    /// Whether the flag may be given more than once.
    pub repeatable: bool,
}

impl Flag {
    /// A flag that takes a value.
    ///
    /// ```
    /// let f = user_analytics::cli::Flag::value("--csv", "FILE", "input table");
    /// assert_eq!(f.value_name, Some("FILE"));
    /// ```
    pub const fn value(name: &'static str, value_name: &'static str, help: &'static str) -> Flag {
        Flag {
            name,
            value_name: Some(value_name),
            default: None,
            help,
            repeatable: false,
        }
    }

    /// A switch without a value.
    ///
    /// ```
    /// let f = user_analytics::cli::Flag::switch("--force", "replace existing outputs");
    /// assert_eq!(f.value_name, None);
    /// ```
    pub const fn switch(name: &'static str, help: &'static str) -> Flag {
        Flag {
            name,
            value_name: None,
            default: None,
            help,
            repeatable: false,
        }
    }

    /// The value used when the flag is not given.
    ///
    /// ```
    /// let f = user_analytics::cli::Flag::value("--seed", "N", "seed").default("42");
    /// assert_eq!(f.default, Some("42"));
    /// ```
    pub const fn default(mut self, value: &'static str) -> Flag {
        self.default = Some(value);
        self
    }

    /// Allows the flag more than once (see [`Matches::values`]).
    ///
    /// ```
    /// assert!(user_analytics::cli::Flag::value("--type", "C=T", "type").repeatable().repeatable);
    /// ```
    pub const fn repeatable(mut self) -> Flag {
        self.repeatable = true;
        self
    }
}

/// A program's flags: parses a command line and writes its usage text.
///
/// Accepted forms: `--flag value`, `--flag=value`, switches `--flag`, and
/// (when `positional` is set) one free argument. Errors, each naming the
/// flag: unknown flags, a value flag at the end or followed by another flag,
/// a flag given twice (unless repeatable), a value given to a switch,
/// arguments that are not UTF-8.
///
/// ```
/// use user_analytics::cli::{Command, Error, Flag};
/// const CMD: Command = Command {
///     name: "demo",
///     about: "A demonstration.",
///     flags: &[Flag::value("--target", "COL", "target column"), Flag::switch("--json", "print JSON")],
///     positional: Some(("FILE", "input file")),
/// };
/// let m = CMD.parse(["data.csv", "--target=churn"]).unwrap();
/// assert_eq!((m.positional(), m.get("--target")), (Some("data.csv"), Some("churn")));
/// let e = CMD.parse(["--target", "--json"]).unwrap_err();
/// assert_eq!(e.to_string(), "--target needs a value, found --json");
/// assert!(matches!(CMD.parse(["-h"]), Err(Error::Help(h)) if h.contains("--target COL")));
/// ```
#[derive(Debug, Clone, Copy)]
pub struct Command {
    /// Program name, as in `cargo run --example NAME`.
    pub name: &'static str,
    /// One paragraph on what the program does.
    pub about: &'static str,
    /// The flags (`--help`/`-h` is implicit).
    pub flags: &'static [Flag],
    /// `(NAME, help)` of the one optional free argument, if any.
    pub positional: Option<(&'static str, &'static str)>,
}

impl Command {
    /// The usage text: synopsis, description, one line per flag with its default.
    ///
    /// ```
    /// use user_analytics::cli::{Command, Flag};
    /// const CMD: Command = Command { name: "demo", about: "Demo.", positional: None,
    ///     flags: &[Flag::value("--seed", "N", "seed").default("42")] };
    /// let u = CMD.usage();
    /// assert!(u.starts_with("usage: demo [--seed N]"), "{u}");
    /// assert!(u.contains("seed (default 42)"), "{u}");
    /// ```
    pub fn usage(&self) -> String {
        let mut synopsis = format!("usage: {}", self.name);
        if let Some((p, _)) = self.positional {
            synopsis.push_str(&format!(" [{p}]"));
        }
        for f in self.flags {
            match f.value_name {
                Some(v) => synopsis.push_str(&format!(" [{} {v}]", f.name)),
                None => synopsis.push_str(&format!(" [{}]", f.name)),
            }
            if f.repeatable {
                synopsis.push_str("...");
            }
        }
        let mut rows: Vec<(String, String)> = Vec::new();
        if let Some((p, h)) = self.positional {
            rows.push((p.to_owned(), h.to_owned()));
        }
        for f in self.flags {
            let left = match f.value_name {
                Some(v) => format!("{} {v}", f.name),
                None => f.name.to_owned(),
            };
            let mut help = f.help.to_owned();
            if let Some(d) = f.default {
                help.push_str(&format!(" (default {d})"));
            }
            if f.repeatable {
                help.push_str(" (repeatable)");
            }
            rows.push((left, help));
        }
        rows.push(("-h, --help".into(), "print this help and exit".into()));
        let w = rows
            .iter()
            .map(|(l, _)| l.chars().count())
            .max()
            .unwrap_or(0);
        let mut out = format!("{synopsis}\n\n{}\n\n", self.about);
        for (l, h) in rows {
            out.push_str(&format!("  {l:<w$}  {h}\n"));
        }
        out.push_str("\nExit status: 0 on success, 2 for a usage error, 1 when the work fails.");
        out
    }

    fn flag(&self, name: &str) -> Option<&'static Flag> {
        self.flags.iter().find(|f| f.name == name)
    }

    /// Parses the arguments (without the program name). `--help`/`-h`
    /// gives [`Error::Help`] with [`Command::usage`].
    ///
    /// ```
    /// use user_analytics::cli::{Command, Flag};
    /// const CMD: Command = Command { name: "demo", about: "Demo.", positional: None,
    ///     flags: &[Flag::value("--seed", "N", "seed")] };
    /// assert_eq!(CMD.parse(["--sed", "1"]).unwrap_err().to_string(),
    ///     "unknown flag --sed (did you mean --seed?)");
    /// assert_eq!(CMD.parse(["--seed", "1", "--seed", "2"]).unwrap_err().to_string(),
    ///     "--seed is given twice ('1' and '2')");
    /// assert_eq!(CMD.parse(["--seed"]).unwrap_err().to_string(),
    ///     "--seed needs a value (N), found the end of the command line");
    /// ```
    pub fn parse<I, A>(&self, args: I) -> Result<Matches, Error>
    where
        I: IntoIterator<Item = A>,
        A: Into<OsString>,
    {
        let args: Vec<OsString> = args.into_iter().map(Into::into).collect();
        let mut m = Matches {
            command: *self,
            values: Vec::new(),
            positional: None,
        };
        let text = |a: &OsString, what: &str| -> Result<String, Error> {
            a.to_str().map(str::to_owned).ok_or_else(|| {
                Error::usage(format!(
                    "{what}: {} is not valid UTF-8",
                    a.to_string_lossy()
                ))
            })
        };
        let mut i = 0;
        while i < args.len() {
            let arg = text(&args[i], "argument")?;
            i += 1;
            if arg == "-h" || arg == "--help" {
                return Err(Error::Help(self.usage()));
            }
            if !arg.starts_with('-') || arg == "-" {
                match self.positional {
                    Some(_) if m.positional.is_none() => {
                        m.positional = Some(arg);
                        continue;
                    }
                    Some((p, _)) => {
                        return Err(Error::usage(format!(
                            "unexpected argument '{arg}': {p} is already '{}'",
                            m.positional.as_deref().unwrap_or_default()
                        )));
                    }
                    None => {
                        return Err(Error::usage(format!(
                            "unexpected argument '{arg}' (flags start with --; see --help)"
                        )));
                    }
                }
            }
            let (name, inline) = match arg.split_once('=') {
                Some((n, v)) => (n.to_owned(), Some(v.to_owned())),
                None => (arg.clone(), None),
            };
            let Some(flag) = self.flag(&name) else {
                return Err(Error::usage(self.unknown(&name)));
            };
            let value = match (flag.value_name, inline) {
                (None, None) => String::new(),
                (None, Some(v)) => {
                    return Err(Error::usage(format!(
                        "{name} is a switch and takes no value, found '{v}'"
                    )));
                }
                (Some(_), Some(v)) => v,
                (Some(vn), None) => {
                    let Some(next) = args.get(i) else {
                        return Err(Error::usage(format!(
                            "{name} needs a value ({vn}), found the end of the command line"
                        )));
                    };
                    let next = text(next, &name)?;
                    if next.starts_with("--") || next == "-h" {
                        return Err(Error::usage(format!("{name} needs a value, found {next}")));
                    }
                    i += 1;
                    next
                }
            };
            if !flag.repeatable
                && let Some((_, prev)) = m.values.iter().find(|(n, _)| *n == flag.name)
            {
                return Err(Error::usage(if flag.value_name.is_some() {
                    format!("{name} is given twice ('{prev}' and '{value}')")
                } else {
                    format!("{name} is given twice")
                }));
            }
            m.values.push((flag.name, value));
        }
        Ok(m)
    }

    fn unknown(&self, name: &str) -> String {
        let close = self
            .flags
            .iter()
            .map(|f| (edit_distance(f.name, name), f.name))
            .filter(|&(d, _)| d <= 2)
            .min();
        match close {
            Some((_, f)) => format!("unknown flag {name} (did you mean {f}?)"),
            None => format!("unknown flag {name} (see --help for the flags)"),
        }
    }
}

/// Levenshtein distance, for "did you mean".
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1; b.len() + 1];
        for (j, &cb) in b.iter().enumerate() {
            let sub = prev[j] + usize::from(ca != cb);
            cur[j + 1] = sub.min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        prev = cur;
    }
    prev[b.len()]
}

/// A value a flag can hold: how to read it and what it must look like
/// (for the error message).
///
/// ```
/// use user_analytics::cli::FlagValue;
/// assert_eq!(<u64 as FlagValue>::parse_flag("7"), Some(7));
/// assert_eq!(<f64 as FlagValue>::parse_flag("inf"), None);
/// ```
pub trait FlagValue: Sized {
    /// What a valid value is, as in "'abc' is not {EXPECTED}".
    const EXPECTED: &'static str;
    /// Reads the value; `None` if it is not valid.
    fn parse_flag(text: &str) -> Option<Self>;
}

macro_rules! unsigned {
    ($($t:ty),*) => {$(
        impl FlagValue for $t {
            const EXPECTED: &'static str = "a non-negative integer";
            fn parse_flag(text: &str) -> Option<Self> {
                text.parse().ok()
            }
        }
    )*};
}
unsigned!(u8, u16, u32, u64, usize);

impl FlagValue for f64 {
    const EXPECTED: &'static str = "a finite number";
    fn parse_flag(text: &str) -> Option<Self> {
        text.parse::<f64>().ok().filter(|v| v.is_finite())
    }
}

impl FlagValue for String {
    const EXPECTED: &'static str = "a non-empty text";
    fn parse_flag(text: &str) -> Option<Self> {
        (!text.is_empty()).then(|| text.to_owned())
    }
}

impl FlagValue for PathBuf {
    const EXPECTED: &'static str = "a path";
    fn parse_flag(text: &str) -> Option<Self> {
        (!text.is_empty()).then(|| PathBuf::from(text))
    }
}

/// A `--delimiter` value: `,`, `;`, `|`, or `tab` (also `\t` or a tab character).
///
/// ```
/// use user_analytics::cli::{Delimiter, FlagValue};
/// assert_eq!(Delimiter::parse_flag("tab"), Some(Delimiter(b'\t')));
/// assert_eq!(Delimiter::parse_flag(";"), Some(Delimiter(b';')));
/// assert_eq!(Delimiter::parse_flag("::"), None);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Delimiter(pub u8);

impl FlagValue for Delimiter {
    const EXPECTED: &'static str = "one of ',' ';' '|' 'tab'";
    fn parse_flag(text: &str) -> Option<Self> {
        match text {
            "," => Some(Delimiter(b',')),
            ";" => Some(Delimiter(b';')),
            "|" => Some(Delimiter(b'|')),
            "tab" | "\\t" | "\t" => Some(Delimiter(b'\t')),
            _ => None,
        }
    }
}

/// The flags of one command line, as parsed by [`Command::parse`].
///
/// ```
/// use user_analytics::cli::{Command, Flag};
/// const CMD: Command = Command { name: "demo", about: "Demo.", positional: None,
///     flags: &[Flag::value("--drop", "COLS", "columns to leave out")] };
/// let m = CMD.parse(["--drop", "id, name,"]).unwrap();
/// assert_eq!(m.list("--drop"), vec!["id", "name"]);
/// ```
#[derive(Debug, Clone)]
pub struct Matches {
    command: Command,
    values: Vec<(&'static str, String)>,
    positional: Option<String>,
}

impl Matches {
    fn declared(&self, name: &str) -> &'static Flag {
        const UNDECLARED: Flag = Flag::switch("", "");
        let flag = self.command.flag(name);
        // A programming error in the program, not user input: caught by its tests.
        debug_assert!(
            flag.is_some(),
            "flag {name} is not declared in {}",
            self.command.name
        );
        flag.unwrap_or(&UNDECLARED)
    }

    /// Whether a switch (or any flag) was given.
    ///
    /// ```
    /// use user_analytics::cli::{Command, Flag};
    /// const CMD: Command = Command { name: "d", about: "", positional: None,
    ///     flags: &[Flag::switch("--json", "JSON")] };
    /// assert!(CMD.parse(["--json"]).unwrap().switch("--json"));
    /// assert!(!CMD.parse(Vec::<String>::new()).unwrap().switch("--json"));
    /// ```
    pub fn switch(&self, name: &str) -> bool {
        self.declared(name);
        self.values.iter().any(|(n, _)| *n == name)
    }

    /// The flag's text (the last one given), else its default.
    ///
    /// ```
    /// use user_analytics::cli::{Command, Flag};
    /// const CMD: Command = Command { name: "d", about: "", positional: None,
    ///     flags: &[Flag::value("--model", "M", "model").default("mlp")] };
    /// assert_eq!(CMD.parse(Vec::<String>::new()).unwrap().get("--model"), Some("mlp"));
    /// ```
    pub fn get(&self, name: &str) -> Option<&str> {
        let flag = self.declared(name);
        self.values
            .iter()
            .rev()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| v.as_str())
            .or(flag.default)
    }

    /// Whether the flag was given on the command line (defaults do not count).
    ///
    /// ```
    /// use user_analytics::cli::{Command, Flag};
    /// const CMD: Command = Command { name: "d", about: "", positional: None,
    ///     flags: &[Flag::value("--k", "N", "k").default("4")] };
    /// assert!(!CMD.parse(Vec::<String>::new()).unwrap().given("--k"));
    /// ```
    pub fn given(&self, name: &str) -> bool {
        self.switch(name)
    }

    /// Every value of a repeatable flag, in order.
    ///
    /// ```
    /// use user_analytics::cli::{Command, Flag};
    /// const CMD: Command = Command { name: "d", about: "", positional: None,
    ///     flags: &[Flag::value("--type", "C=T", "type").repeatable()] };
    /// let m = CMD.parse(["--type", "a=date", "--type", "b=numeric"]).unwrap();
    /// assert_eq!(m.values("--type"), vec!["a=date", "b=numeric"]);
    /// ```
    pub fn values(&self, name: &str) -> Vec<&str> {
        self.declared(name);
        self.values
            .iter()
            .filter(|(n, _)| *n == name)
            .map(|(_, v)| v.as_str())
            .collect()
    }

    /// The flag's value (or default) read as `T`; an invalid value is a usage
    /// error that names the flag and quotes the text.
    ///
    /// ```
    /// use user_analytics::cli::{Command, Flag};
    /// const CMD: Command = Command { name: "d", about: "", positional: None,
    ///     flags: &[Flag::value("--rows", "N", "rows")] };
    /// let e = CMD.parse(["--rows", "99999999999999999999999"]).unwrap().value::<usize>("--rows");
    /// assert!(e.unwrap_err().to_string().contains("--rows: '99999999999999999999999' is too large"));
    /// ```
    pub fn value<T: FlagValue>(&self, name: &str) -> Result<Option<T>, Error> {
        let Some(text) = self.get(name) else {
            return Ok(None);
        };
        match T::parse_flag(text.trim()) {
            Some(v) => Ok(Some(v)),
            None => {
                let t = text.trim();
                let digits = !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit());
                if digits && T::EXPECTED == "a non-negative integer" {
                    Err(Error::usage(format!(
                        "{name}: '{text}' is too large for this flag (too many digits to be a count or seed)"
                    )))
                } else {
                    Err(Error::usage(format!(
                        "{name}: '{text}' is not {}",
                        T::EXPECTED
                    )))
                }
            }
        }
    }

    /// Like [`Matches::value`] but the flag must have a value (given or default).
    ///
    /// ```
    /// use user_analytics::cli::{Command, Flag};
    /// const CMD: Command = Command { name: "d", about: "", positional: None,
    ///     flags: &[Flag::value("--k", "N", "k")] };
    /// let e = CMD.parse(Vec::<String>::new()).unwrap().required::<usize>("--k").unwrap_err();
    /// assert_eq!(e.to_string(), "--k N is required");
    /// ```
    pub fn required<T: FlagValue>(&self, name: &str) -> Result<T, Error> {
        self.value(name)?.ok_or_else(|| {
            let flag = self.declared(name);
            Error::usage(format!(
                "{name} {} is required",
                flag.value_name.unwrap_or_default()
            ))
        })
    }

    /// A comma-separated list (`--drop a,b`), trimmed, empty items left out.
    ///
    /// ```
    /// use user_analytics::cli::{Command, Flag};
    /// const CMD: Command = Command { name: "d", about: "", positional: None,
    ///     flags: &[Flag::value("--text", "COLS", "text columns")] };
    /// assert!(CMD.parse(Vec::<String>::new()).unwrap().list("--text").is_empty());
    /// ```
    pub fn list(&self, name: &str) -> Vec<String> {
        self.get(name)
            .map(|s| {
                s.split(',')
                    .map(|c| c.trim().to_owned())
                    .filter(|c| !c.is_empty())
                    .collect()
            })
            .unwrap_or_default()
    }

    /// The free argument, if the command has one and it was given.
    ///
    /// ```
    /// use user_analytics::cli::Command;
    /// const CMD: Command = Command { name: "d", about: "", flags: &[],
    ///     positional: Some(("FILE", "input")) };
    /// assert_eq!(CMD.parse(["x.csv"]).unwrap().positional(), Some("x.csv"));
    /// ```
    pub fn positional(&self) -> Option<&str> {
        self.positional.as_deref()
    }
}

/// Whether two paths name the same existing file: the same canonical path,
/// or (on unix) the same device and inode, as for a hard link.
///
/// ```
/// let dir = std::env::temp_dir();
/// assert!(user_analytics::cli::same_file(&dir, &dir.join(".")));
/// assert!(!user_analytics::cli::same_file(&dir, &dir.join("no-such-file-here")));
/// ```
pub fn same_file(a: &Path, b: &Path) -> bool {
    if let (Ok(ca), Ok(cb)) = (a.canonicalize(), b.canonicalize())
        && ca == cb
    {
        return true;
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        if let (Ok(ma), Ok(mb)) = (std::fs::metadata(a), std::fs::metadata(b)) {
            return ma.dev() == mb.dev() && ma.ino() == mb.ino();
        }
    }
    false
}

/// Checks an output path before anything is written: it must not be one of
/// the `inputs` (`(flag, path)` pairs; even with `force`), not a directory,
/// and, if it exists, `force` must be set. Errors are usage errors naming
/// the flags and paths.
///
/// ```
/// use std::path::Path;
/// use user_analytics::cli::check_output;
/// let dir = std::env::temp_dir().join(format!("ua_cli_doc_{}", std::process::id()));
/// std::fs::create_dir_all(&dir).unwrap();
/// let input = dir.join("in.csv");
/// std::fs::write(&input, "x\n1\n").unwrap();
/// let e = check_output("--save", &input, &[("--csv", &input)], true).unwrap_err();
/// assert!(e.to_string().contains("is the input given to --csv"), "{e}");
/// let out = dir.join("model.json");
/// assert!(check_output("--save", &out, &[("--csv", &input)], false).is_ok());
/// std::fs::write(&out, "{}").unwrap();
/// let e = check_output("--save", &out, &[], false).unwrap_err();
/// assert!(e.to_string().contains("already exists; pass --force"), "{e}");
/// assert!(check_output("--save", &out, &[], true).is_ok());
/// std::fs::remove_dir_all(&dir).unwrap();
/// ```
pub fn check_output(
    flag: &str,
    output: &Path,
    inputs: &[(&str, &Path)],
    force: bool,
) -> Result<(), Error> {
    for (in_flag, input) in inputs {
        if same_file(output, input) {
            return Err(Error::usage(format!(
                "{flag} {} is the input given to {in_flag} ({}); refusing to write over an input \
                 file — choose another output path",
                output.display(),
                input.display()
            )));
        }
    }
    if output.is_dir() {
        return Err(Error::usage(format!(
            "{flag} {} is a directory; give a file path",
            output.display()
        )));
    }
    if output.exists() && !force {
        return Err(Error::usage(format!(
            "{flag} {} already exists; pass --force to replace it",
            output.display()
        )));
    }
    Ok(())
}

/// Checks that an input path is an existing regular file (not a directory),
/// naming the flag.
///
/// ```
/// let e = user_analytics::cli::check_input("--csv", std::env::temp_dir().as_path()).unwrap_err();
/// assert!(e.to_string().contains("is a directory"), "{e}");
/// ```
pub fn check_input(flag: &str, path: &Path) -> Result<(), Error> {
    match std::fs::metadata(path) {
        Ok(m) if m.is_dir() => Err(Error::usage(format!(
            "{flag} {} is a directory, expected a file",
            path.display()
        ))),
        Ok(_) => Ok(()),
        Err(e) => Err(Error::failed(format!(
            "{flag} {}: cannot open: {e}",
            path.display()
        ))),
    }
}

/// Checks that an input file is not empty (zero bytes), for programs that
/// need at least a header line: the error names the flag and the path.
///
/// ```
/// let p = std::env::temp_dir().join(format!("ua_cli_empty_{}.csv", std::process::id()));
/// std::fs::write(&p, "").unwrap();
/// let e = user_analytics::cli::check_not_empty("--csv", &p).unwrap_err();
/// assert!(e.to_string().contains("is empty"), "{e}");
/// std::fs::write(&p, "x\n").unwrap();
/// assert!(user_analytics::cli::check_not_empty("--csv", &p).is_ok());
/// std::fs::remove_file(&p).unwrap();
/// ```
pub fn check_not_empty(flag: &str, path: &Path) -> Result<(), Error> {
    check_input(flag, path)?;
    match std::fs::metadata(path) {
        Ok(m) if m.len() == 0 => Err(Error::failed(format!(
            "{flag} {}: the file is empty (expected a header line, then data rows)",
            path.display()
        ))),
        _ => Ok(()),
    }
}

/// The first and last plausible calendar day (1900-01-01 and 2100-12-31,
/// as days since 1970-01-01): dates outside are treated as data errors.
///
/// ```
/// let (lo, hi) = user_analytics::cli::plausible_days();
/// assert_eq!(user_analytics::data::date::format_date(lo), "1900-01-01");
/// assert_eq!(user_analytics::data::date::format_date(hi), "2100-12-31");
/// ```
pub fn plausible_days() -> (i32, i32) {
    (-25_567, 47_846)
}

/// Checks a date column read from `source` (`header_lines` before the
/// data): no missing date, every date between 1900-01-01 and 2100-12-31;
/// returns the first and last day. Errors name the file line, the column
/// and the date.
///
/// ```
/// use user_analytics::cli::check_dates;
/// use user_analytics::data::{Column, Table};
/// use user_analytics::data::date::parse_date;
/// let days = vec![parse_date("1997-01-01").unwrap(), parse_date("2101-05-01").unwrap()];
/// let t = Table::new(vec![("day".into(), Column::date(days))]).unwrap();
/// let e = check_dates(&t, "day", "tx.csv", 1).unwrap_err();
/// assert!(e.to_string().starts_with("tx.csv, line 3, column `day`: implausible date 2101-05-01"), "{e}");
/// ```
pub fn check_dates(
    table: &Table,
    column: &str,
    source: &str,
    header_lines: usize,
) -> Result<(i32, i32), Error> {
    let days = table
        .date(column)
        .map_err(|e| Error::failed(format!("{source}: {e}")))?;
    let (lo, hi) = plausible_days();
    let mut range: Option<(i32, i32)> = None;
    for (row, d) in days.iter().enumerate() {
        let line = row + 1 + header_lines;
        let Some(d) = d else {
            return Err(Error::failed(format!(
                "{source}, line {line}, column `{column}`: missing date"
            )));
        };
        if d < lo || d > hi {
            return Err(Error::failed(format!(
                "{source}, line {line}, column `{column}`: implausible date {} (expected 1900-01-01 \
                 to 2100-12-31); fix or remove the row",
                ua_data::date::format_date(d)
            )));
        }
        range = Some(range.map_or((d, d), |(a, b)| (a.min(d), b.max(d))));
    }
    range.ok_or_else(|| Error::failed(format!("{source}: no transactions")))
}

/// A hint when a file read with `delimiter` would come out as a single
/// column although its header line contains another common separator:
/// "looks ;-separated; pass --delimiter ';'". Reads at most the first
/// 64 KiB; `None` when the file cannot be read or looks fine.
///
/// ```
/// let p = std::env::temp_dir().join(format!("ua_cli_semi_{}.csv", std::process::id()));
/// std::fs::write(&p, "a;b;c\n1;2;3\n").unwrap();
/// let w = user_analytics::cli::delimiter_warning(&p, b',').unwrap();
/// assert!(w.contains("looks ;-separated; pass --delimiter ';'"), "{w}");
/// assert!(user_analytics::cli::delimiter_warning(&p, b';').is_none());
/// std::fs::remove_file(&p).unwrap();
/// ```
pub fn delimiter_warning(path: &Path, delimiter: u8) -> Option<String> {
    let mut buf = Vec::new();
    std::fs::File::open(path)
        .ok()?
        .take(64 * 1024)
        .read_to_end(&mut buf)
        .ok()?;
    let header = buf.split(|&b| b == b'\n').next()?;
    if header.contains(&delimiter) {
        return None;
    }
    let (b, shown, flag) = [
        (b';', ";", "';'"),
        (b'\t', "tab", "tab"),
        (b'|', "|", "'|'"),
        (b',', ",", "','"),
    ]
    .into_iter()
    .find(|(b, _, _)| *b != delimiter && header.contains(b))?;
    let _ = b;
    Some(format!(
        "warning: {} reads as a single column, but its header line contains '{}': it looks \
         {shown}-separated; pass --delimiter {flag}",
        path.display(),
        if shown == "tab" { "\\t" } else { shown }
    ))
}

/// Checks a size given on the command line before anything is allocated:
/// the product of `dims` must not overflow and `dims` values of
/// `bytes_per_value` bytes must fit the memory budget (`UA_MEMORY_BUDGET`,
/// default 8 GiB; see `ua_tensor::budget`). `what` names the flags and the
/// buffer. Errors are usage errors with the estimate.
///
/// ```
/// use user_analytics::cli::check_size;
/// assert!(check_size("--rows × --dims: the points", &[1000, 8], 8).is_ok());
/// let e = check_size("--rows × --dims: the points", &[100_000_000_000, 8], 8).unwrap_err();
/// assert!(e.to_string().starts_with("--rows × --dims: the points needs 5.8 TiB"), "{e}");
/// assert!(e.to_string().contains("UA_MEMORY_BUDGET"), "{e}");
/// assert_eq!(e.code(), 2);
/// let e = check_size("--rows × --dims", &[usize::MAX; 3], 8).unwrap_err();
/// assert!(e.to_string().contains("overflow"), "{e}");
/// ```
pub fn check_size(what: &str, dims: &[usize], bytes_per_value: usize) -> Result<(), Error> {
    let message = |e: ua_tensor::Error| match e {
        ua_tensor::Error::InvalidArgument { message, .. } => message,
        other => other.to_string(),
    };
    let count = ua_tensor::budget::elements("size check", dims)
        .map_err(|e| Error::usage(format!("{what}: {}", message(e))))?;
    ua_tensor::budget::check_allocation("size check", what, count, bytes_per_value)
        .map_err(|e| Error::usage(message(e)))
}

/// The named numeric columns of a table read from `source` as a matrix,
/// with errors that give the file line (`header_lines` + row + 1, as an
/// editor shows it when no quoted field holds a line break), the column and
/// the value: a non-numeric column, a missing value, a non-finite value.
///
/// ```
/// use user_analytics::cli::numeric_matrix;
/// use user_analytics::data::{Column, Table};
/// let t = Table::new(vec![("x".into(), Column::numeric(vec![1.0, f64::INFINITY]))]).unwrap();
/// let e = numeric_matrix(&t, &["x"], "p.csv", 1).unwrap_err();
/// assert_eq!(e.to_string(), "p.csv, line 3, column `x`: value inf is not finite");
/// ```
pub fn numeric_matrix(
    table: &Table,
    names: &[&str],
    source: &str,
    header_lines: usize,
) -> Result<Array2<f64>, Error> {
    let n = table.n_rows();
    let mut cols = Vec::with_capacity(names.len());
    for &name in names {
        let col = table
            .column(name)
            .map_err(|e| Error::failed(format!("{source}: {e}")))?;
        let Column::Numeric(c) = col else {
            return Err(Error::failed(format!(
                "{source}: column `{name}` must hold numbers, found {} values",
                col.dtype().name()
            )));
        };
        for (row, v) in c.iter().enumerate() {
            let line = row + 1 + header_lines;
            match v {
                None => {
                    return Err(Error::failed(format!(
                        "{source}, line {line}, column `{name}`: missing value ({} missing in the column); \
                         fill or remove those rows",
                        c.missing_count()
                    )));
                }
                Some(x) if !x.is_finite() => {
                    return Err(Error::failed(format!(
                        "{source}, line {line}, column `{name}`: value {x} is not finite"
                    )));
                }
                Some(_) => {}
            }
        }
        cols.push(c);
    }
    Ok(Array2::from_shape_fn((n, names.len()), |(i, j)| {
        cols[j].get(i).unwrap_or(f64::NAN)
    }))
}

/// Reads the CSV with type inference (columns in `text` or `skip` as
/// text, so that ids such as `00042` keep their zeros), then refuses a
/// text column that is mostly numbers (unless listed in `text` or `skip`):
/// re-reading it as numeric gives the reader's error with the line and the
/// offending value. ±inf in a numeric column is an error with its file
/// line (an empty field or `NaN` is a missing value).
///
/// ```
/// use user_analytics::cli::read_table;
/// let dir = std::env::temp_dir().join(format!("ua-read-table-{}", std::process::id()));
/// std::fs::create_dir_all(&dir).unwrap();
/// let path = dir.join("users.csv");
/// std::fs::write(&path, "user,spend\n00042,3.5\n00043,x1\n00044,2\n").unwrap();
/// let e = read_table(&path, &[], &["user".into()], b',').unwrap_err();
/// assert!(e.contains("column `spend`") && e.contains("x1"), "{e}");
/// std::fs::write(&path, "user,spend\n00042,3.5\n00043,1\n").unwrap();
/// let t = read_table(&path, &[], &["user".into()], b',').unwrap();
/// assert_eq!(t.column("user").unwrap().get(0).unwrap().to_string(), "00042");
/// std::fs::remove_dir_all(&dir).unwrap();
/// ```
pub fn read_table(
    path: &Path,
    text: &[String],
    skip: &[String],
    delimiter: u8,
) -> Result<Table, String> {
    let mut opts = CsvOptions::default().delimiter(delimiter);
    let mut table = read_csv(path, &opts).map_err(|e| e.to_string())?;
    let as_text: Vec<&String> = text
        .iter()
        .chain(skip)
        .filter(|c| matches!(table.column(c), Ok(col) if col.dtype() != ColumnType::Categorical))
        .collect();
    if !as_text.is_empty() {
        for c in as_text {
            opts = opts.with_type(c.clone(), ColumnType::Categorical);
        }
        table = read_csv(path, &opts).map_err(|e| e.to_string())?;
    }
    if table.n_cols() == 0 || table.n_rows() == 0 {
        return Err(format!(
            "{}: the file has no data rows (a header and at least one row are needed)",
            path.display()
        ));
    }
    for t in text {
        if !table.has_column(t) {
            return Err(format!(
                "--text column `{t}` is not in {}; columns: {}",
                path.display(),
                table.column_names().join(", ")
            ));
        }
    }
    // ±inf in a numeric column, by file line (NaN and empty fields are missing).
    for (name, col) in table.columns() {
        if let Column::Numeric(c) = col
            && let Some((row, v)) = c
                .iter()
                .enumerate()
                .find_map(|(i, v)| v.filter(|x| !x.is_finite()).map(|x| (i, x)))
        {
            return Err(format!(
                "{}, line {}, column `{name}`: value {v} is not finite; fix it or leave the \
                 field empty (missing)",
                path.display(),
                row + 2
            ));
        }
    }
    for (name, col) in table.columns() {
        let Column::Categorical(c) = col else {
            continue;
        };
        if text.iter().chain(skip).any(|t| t == name) {
            continue;
        }
        let counts = c.level_counts();
        let (mut numeric, mut total) = (0usize, 0usize);
        for (level, &k) in c.levels().iter().zip(&counts) {
            total += k;
            if level.trim().parse::<f64>().is_ok() {
                numeric += k;
            }
        }
        if numeric * 2 > total {
            let why = match read_csv(path, &opts.clone().with_type(name, ColumnType::Numeric)) {
                Err(e) => e.to_string(),
                Ok(_) => "some values are not numbers".to_owned(),
            };
            return Err(format!(
                "column `{name}` is numeric in {numeric} of {total} rows but holds text: {why}; \
                 fix the value (an empty field is read as missing) or pass --text {name} \
                 to treat the column as text"
            ));
        }
    }
    Ok(table)
}

/// Reads a `--test-rows` file: a header line, then one 0-based data-row
/// index per line, each in `0..n_rows` and listed once (see
/// [`parse_test_rows`] for an example).
pub fn read_test_rows(path: &Path, n_rows: usize) -> Result<Vec<usize>, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    parse_test_rows(&text, &path.display().to_string(), n_rows)
}

/// [`read_test_rows`] on the file's text; `name` stands for the file.
///
/// ```
/// use user_analytics::cli::parse_test_rows;
/// assert_eq!(parse_test_rows("row\n3\n0\n", "t.csv", 5).unwrap(), [3, 0]);
/// let e = parse_test_rows("row\n3\n3\n", "t.csv", 5).unwrap_err();
/// assert!(e.contains("line 3") && e.contains("listed twice"), "{e}");
/// ```
pub fn parse_test_rows(text: &str, name: &str, n_rows: usize) -> Result<Vec<usize>, String> {
    let mut lines = text.lines().enumerate();
    match lines.next() {
        None => {
            return Err(format!(
                "{name}: the file is empty (expected a header line, then row indices)"
            ));
        }
        Some((_, h)) => {
            let h = h.trim().trim_start_matches('\u{feff}');
            if h.is_empty() || h.parse::<f64>().is_ok() {
                return Err(format!(
                    "{name}, line 1: expected a header (a column name such as `row`), found {h:?}"
                ));
            }
            if h.contains(',') {
                return Err(format!(
                    "{name}, line 1: expected one column, found header {h:?}"
                ));
            }
        }
    }
    let mut first_seen: HashMap<usize, usize> = HashMap::new();
    let mut rows = Vec::new();
    for (i, line) in lines {
        let line_no = i + 1;
        let field = line.trim();
        if field.is_empty() {
            continue;
        }
        let row: usize = field.parse().map_err(|_| {
            format!("{name}, line {line_no}: {field:?} is not a row index (a whole number ≥ 0)")
        })?;
        if row >= n_rows {
            return Err(format!(
                "{name}, line {line_no}: row index {row} is out of range: the data has {n_rows} rows (0..={})",
                n_rows.saturating_sub(1)
            ));
        }
        if let Some(prev) = first_seen.insert(row, line_no) {
            return Err(format!(
                "{name}, line {line_no}: row index {row} is listed twice (also on line {prev})"
            ));
        }
        rows.push(row);
    }
    if rows.is_empty() {
        return Err(format!("{name}: no row index after the header"));
    }
    Ok(rows)
}

#[cfg(test)]
mod tests {
    use super::*;
    use ua_data::date::parse_date;

    const CMD: Command = Command {
        name: "demo",
        about: "Demo program.",
        flags: &[
            Flag::value("--seed", "N", "seed").default("42"),
            Flag::value("--rows", "N", "rows"),
            Flag::value("--tol", "T", "tolerance"),
            Flag::value("--drop", "COLS", "dropped columns"),
            Flag::value("--type", "C=T", "types").repeatable(),
            Flag::value("--delimiter", "C", "separator").default(","),
            Flag::switch("--json", "print JSON"),
        ],
        positional: Some(("FILE", "input")),
    };

    const BARE: Command = Command {
        name: "bare",
        about: "No free argument.",
        flags: &[Flag::switch("--json", "JSON")],
        positional: None,
    };

    fn err(args: &[&str]) -> Error {
        CMD.parse(args.iter().copied()).unwrap_err()
    }

    fn dir(test: &str) -> PathBuf {
        let d = std::env::temp_dir().join(format!("ua_cli_unit_{}_{test}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        std::fs::create_dir_all(&d).unwrap();
        d
    }

    #[test]
    fn error_kinds_codes_and_context() {
        assert_eq!(Error::Help("h".into()).code(), 0);
        assert_eq!(Error::usage("u").code(), 2);
        assert_eq!(Error::failed("f").code(), 1);
        assert_eq!(Error::from("x"), Error::Failed("x".into()));
        assert_eq!(Error::from("y".to_string()), Error::Failed("y".into()));
        assert_eq!(
            Error::usage("bad").context("p"),
            Error::Usage("p: bad".into())
        );
        assert_eq!(
            Error::failed("bad").context("p"),
            Error::Failed("p: bad".into())
        );
        assert_eq!(
            Error::Help("h".into()).context("p"),
            Error::Help("h".into())
        );
        assert_eq!(Error::Help("text".into()).to_string(), "text");
        assert_eq!(Error::failed("f1").to_string(), "f1");
    }

    #[test]
    fn flags_and_usage() {
        let f = Flag::value("--k", "N", "k").default("4").repeatable();
        assert_eq!(f.default, Some("4"));
        assert!(f.repeatable);
        assert!(!Flag::value("--k", "N", "k").repeatable);
        assert_eq!(Flag::switch("--x", "x").value_name, None);
        let u = CMD.usage();
        assert!(
            u.starts_with("usage: demo [FILE] [--seed N] [--rows N]"),
            "{u}"
        );
        assert!(u.contains("[--type C=T]..."), "{u}");
        assert!(u.contains("\n\nDemo program.\n\n"), "{u}");
        assert!(u.contains("  --seed N       seed (default 42)\n"), "{u}");
        assert!(u.contains("  FILE           input\n"), "{u}");
        assert!(u.contains("  --json         print JSON\n"), "{u}");
        assert!(u.contains("types (repeatable)"), "{u}");
        assert!(!u.contains("rows (default"), "{u}");
        assert!(!u.contains("seed (repeatable"), "{u}");
        assert!(
            u.contains("  -h, --help     print this help and exit\n"),
            "{u}"
        );
        assert!(u.ends_with("1 when the work fails."), "{u}");
        let b = BARE.usage();
        assert!(b.starts_with("usage: bare [--json]\n"), "{b}");
    }

    #[test]
    fn parses_values_switches_and_the_free_argument() {
        let m = CMD
            .parse([
                "data.csv",
                "--seed",
                "7",
                "--json",
                "--drop= a, ,b ",
                "--type",
                "x=date",
                "--type=y=numeric",
                "--tol",
                "-0.5",
            ])
            .unwrap();
        assert_eq!(m.positional(), Some("data.csv"));
        assert_eq!(m.value::<u64>("--seed").unwrap(), Some(7));
        assert!(m.switch("--json"));
        assert!(m.given("--seed"));
        assert!(!m.given("--rows"));
        assert_eq!(m.list("--drop"), vec!["a", "b"]);
        assert_eq!(m.values("--type"), vec!["x=date", "y=numeric"]);
        assert_eq!(m.value::<f64>("--tol").unwrap(), Some(-0.5));
        assert_eq!(m.get("--rows"), None);
        assert_eq!(m.value::<usize>("--rows").unwrap(), None);
        assert!(m.list("--rows").is_empty());
        let d = CMD.parse(Vec::<String>::new()).unwrap();
        assert_eq!(d.get("--seed"), Some("42"));
        assert_eq!(d.required::<u64>("--seed").unwrap(), 42);
        assert!(!d.switch("--json"));
        assert!(!d.given("--seed"));
        assert_eq!(d.positional(), None);
        assert_eq!(
            d.required::<usize>("--rows").unwrap_err(),
            Error::Usage("--rows N is required".into())
        );
        assert_eq!(
            d.required::<Delimiter>("--delimiter").unwrap(),
            Delimiter(b',')
        );
        // "-" alone is a free argument (stdin by convention).
        assert_eq!(CMD.parse(["-"]).unwrap().positional(), Some("-"));
    }

    #[test]
    fn help_wins_anywhere_except_as_a_value() {
        for args in [
            &["-h"][..],
            &["--help"],
            &["--seed", "1", "--help"],
            &["x", "-h"],
        ] {
            match CMD.parse(args.iter().copied()) {
                Err(Error::Help(h)) => assert_eq!(h, CMD.usage()),
                other => panic!("{args:?}: {other:?}"),
            }
        }
        assert_eq!(
            err(&["--seed", "--help"]),
            Error::Usage("--seed needs a value, found --help".into())
        );
        assert_eq!(
            err(&["--seed", "-h"]),
            Error::Usage("--seed needs a value, found -h".into())
        );
    }

    #[test]
    fn command_line_errors_name_the_flag() {
        assert_eq!(
            err(&["--seed"]),
            Error::Usage("--seed needs a value (N), found the end of the command line".into())
        );
        assert_eq!(
            err(&["--seed", "--json"]),
            Error::Usage("--seed needs a value, found --json".into())
        );
        assert_eq!(
            err(&["--seed", "1", "--seed=2"]),
            Error::Usage("--seed is given twice ('1' and '2')".into())
        );
        assert_eq!(
            err(&["--json", "--json"]),
            Error::Usage("--json is given twice".into())
        );
        assert_eq!(
            err(&["--json=1"]),
            Error::Usage("--json is a switch and takes no value, found '1'".into())
        );
        assert_eq!(
            err(&["--sead", "1"]),
            Error::Usage("unknown flag --sead (did you mean --seed?)".into())
        );
        assert_eq!(
            err(&["--completely-different"]),
            Error::Usage("unknown flag --completely-different (see --help for the flags)".into())
        );
        assert_eq!(
            err(&["-x"]),
            Error::Usage("unknown flag -x (see --help for the flags)".into())
        );
        assert_eq!(
            err(&["a.csv", "b.csv"]),
            Error::Usage("unexpected argument 'b.csv': FILE is already 'a.csv'".into())
        );
        assert_eq!(
            BARE.parse(["x"]).unwrap_err(),
            Error::Usage("unexpected argument 'x' (flags start with --; see --help)".into())
        );
        // A value may start with one dash (negative numbers).
        assert!(CMD.parse(["--tol", "-1"]).is_ok());
    }

    #[cfg(unix)]
    #[test]
    fn non_utf8_arguments_are_usage_errors() {
        use std::os::unix::ffi::OsStringExt;
        let bad = OsString::from_vec(vec![b'a', 0xff]);
        let e = CMD.parse([bad.clone()]).unwrap_err();
        assert_eq!(
            e,
            Error::Usage("argument: a\u{fffd} is not valid UTF-8".into())
        );
        let e = CMD.parse([OsString::from("--rows"), bad]).unwrap_err();
        assert_eq!(
            e,
            Error::Usage("--rows: a\u{fffd} is not valid UTF-8".into())
        );
    }

    #[test]
    fn typed_values_quote_the_text() {
        let v = |flag: &str, text: &str| CMD.parse([flag, text]).unwrap();
        assert_eq!(
            v("--rows", "abc").value::<usize>("--rows").unwrap_err(),
            Error::Usage("--rows: 'abc' is not a non-negative integer".into())
        );
        assert_eq!(
            v("--rows", "-3").value::<usize>("--rows").unwrap_err(),
            Error::Usage("--rows: '-3' is not a non-negative integer".into())
        );
        let e = v("--rows", "300").value::<u8>("--rows").unwrap_err();
        assert!(
            e.to_string().starts_with("--rows: '300' is too large"),
            "{e}"
        );
        assert_eq!(
            v("--rows", " 12 ").value::<u32>("--rows").unwrap(),
            Some(12)
        );
        assert_eq!(v("--rows", "12").value::<u16>("--rows").unwrap(), Some(12));
        assert_eq!(
            v("--tol", "inf").value::<f64>("--tol").unwrap_err(),
            Error::Usage("--tol: 'inf' is not a finite number".into())
        );
        assert_eq!(
            v("--tol", "12").value::<String>("--tol").unwrap(),
            Some("12".to_string())
        );
        assert_eq!(
            v("--tol", "").value::<String>("--tol").unwrap_err(),
            Error::Usage("--tol: '' is not a non-empty text".into())
        );
        assert_eq!(
            v("--tol", "").value::<PathBuf>("--tol").unwrap_err(),
            Error::Usage("--tol: '' is not a path".into())
        );
        assert_eq!(
            v("--tol", "a/b").value::<PathBuf>("--tol").unwrap(),
            Some(PathBuf::from("a/b"))
        );
        // Digits that do not fit a float are still "not a finite number".
        assert_eq!(
            v("--tol", "1e999").value::<f64>("--tol").unwrap_err(),
            Error::Usage("--tol: '1e999' is not a finite number".into())
        );
        assert_eq!(
            v("--delimiter", "x")
                .value::<Delimiter>("--delimiter")
                .unwrap_err(),
            Error::Usage("--delimiter: 'x' is not one of ',' ';' '|' 'tab'".into())
        );
        for (t, b) in [
            (",", b','),
            (";", b';'),
            ("|", b'|'),
            ("tab", b'\t'),
            ("\\t", b'\t'),
            ("\t", b'\t'),
        ] {
            assert_eq!(Delimiter::parse_flag(t), Some(Delimiter(b)), "{t:?}");
        }
    }

    #[test]
    fn edit_distance_counts_edits() {
        assert_eq!(edit_distance("--seed", "--seed"), 0);
        assert_eq!(edit_distance("--seed", "--sed"), 1);
        assert_eq!(edit_distance("--seed", "--sede"), 2);
        assert_eq!(edit_distance("abc", "xbz"), 2);
        assert_eq!(edit_distance("", "abc"), 3);
        assert_eq!(edit_distance("abc", ""), 3);
        assert_eq!(edit_distance("kitten", "sitting"), 3);
        // Distance 3 is too far for a suggestion.
        assert_eq!(
            err(&["--sxxd"]),
            Error::Usage("unknown flag --sxxd (did you mean --seed?)".into())
        );
        assert!(err(&["--sxxxx"]).to_string().contains("see --help"));
    }

    #[test]
    fn output_guards() {
        let d = dir("outputs");
        let input = d.join("in.csv");
        std::fs::write(&input, "x\n1\n").unwrap();
        let other = d.join("other.csv");
        std::fs::write(&other, "y\n").unwrap();
        assert!(same_file(&input, &d.join(".").join("in.csv")));
        assert!(!same_file(&input, &other));
        assert!(!same_file(&d.join("none1"), &d.join("none1")));
        let link = d.join("link.csv");
        std::fs::hard_link(&input, &link).unwrap();
        assert!(same_file(&input, &link));
        let e = check_output(
            "--save",
            &link,
            &[("--test-rows", &other), ("--csv", &input)],
            true,
        )
        .unwrap_err();
        assert_eq!(e.code(), 2);
        assert!(
            e.to_string().starts_with(&format!(
                "--save {} is the input given to --csv ({})",
                link.display(),
                input.display()
            )),
            "{e}"
        );
        let e = check_output("--out", &d, &[], true).unwrap_err();
        assert_eq!(
            e,
            Error::Usage(format!(
                "--out {} is a directory; give a file path",
                d.display()
            ))
        );
        let e = check_output("--save", &other, &[("--csv", &input)], false).unwrap_err();
        assert_eq!(
            e,
            Error::Usage(format!(
                "--save {} already exists; pass --force to replace it",
                other.display()
            ))
        );
        assert!(check_output("--save", &other, &[("--csv", &input)], true).is_ok());
        assert!(check_output("--save", &d.join("new.json"), &[("--csv", &input)], false).is_ok());
        // Inputs.
        let e = check_input("--csv", &d).unwrap_err();
        assert_eq!(
            e,
            Error::Usage(format!(
                "--csv {} is a directory, expected a file",
                d.display()
            ))
        );
        let e = check_input("--csv", &d.join("gone")).unwrap_err();
        assert_eq!(e.code(), 1);
        assert!(
            e.to_string().starts_with(&format!(
                "--csv {}: cannot open: ",
                d.join("gone").display()
            )),
            "{e}"
        );
        assert!(check_input("--csv", &input).is_ok());
        let empty = d.join("empty.csv");
        std::fs::write(&empty, "").unwrap();
        assert!(check_input("--csv", &empty).is_ok());
        let e = check_not_empty("--csv", &empty).unwrap_err();
        assert_eq!(
            e,
            Error::Failed(format!(
                "--csv {}: the file is empty (expected a header line, then data rows)",
                empty.display()
            ))
        );
        assert_eq!(check_not_empty("--csv", &d).unwrap_err().code(), 2);
        assert!(check_not_empty("--csv", &input).is_ok());
        std::fs::remove_dir_all(&d).unwrap();
    }

    #[test]
    fn delimiter_warnings() {
        let d = dir("delims");
        let w = |text: &str, delim: u8| {
            let p = d.join("f.csv");
            std::fs::write(&p, text).unwrap();
            delimiter_warning(&p, delim)
        };
        let p = d.join("f.csv");
        assert_eq!(
            w("a;b\n1;2\n", b','),
            Some(format!(
                "warning: {} reads as a single column, but its header line contains ';': it looks ;-separated; pass --delimiter ';'",
                p.display()
            ))
        );
        assert!(
            w("a\tb\n", b',')
                .unwrap()
                .contains("contains '\\t': it looks tab-separated; pass --delimiter tab")
        );
        assert!(
            w("a|b\n", b',')
                .unwrap()
                .contains("looks |-separated; pass --delimiter '|'")
        );
        assert!(
            w("a,b\n", b';')
                .unwrap()
                .contains("looks ,-separated; pass --delimiter ','")
        );
        assert_eq!(w("a,b\n1;2\n", b','), None);
        assert_eq!(w("a\n1;2\n", b','), None);
        assert_eq!(w("a;b\n", b';'), None);
        assert_eq!(w("", b','), None);
        // A long header: the first 64 KiB are read.
        let long = format!("{};b\n1;2\n", "a".repeat(4000));
        assert!(w(&long, b',').unwrap().contains("pass --delimiter ';'"));
        let too_long = format!("{};b\n", "a".repeat(70_000));
        assert_eq!(w(&too_long, b','), None);
        assert_eq!(delimiter_warning(&d.join("gone"), b','), None);
        std::fs::remove_dir_all(&d).unwrap();
    }

    #[test]
    fn sizes() {
        assert!(check_size("x", &[1000, 1000], 8).is_ok());
        // Exactly at the default budget is allowed, one more value is not
        // (unless the environment says otherwise).
        if std::env::var_os(ua_tensor::budget::BUDGET_ENV).is_none() {
            assert!(check_size("x", &[1 << 30], 8).is_ok());
            let e = check_size("--rows: the data", &[(1 << 30) + 1], 8).unwrap_err();
            assert!(
                e.to_string().starts_with("--rows: the data needs 8.0 GiB"),
                "{e}"
            );
            assert_eq!(e.code(), 2);
        }
        let e = check_size("--a × --b", &[usize::MAX; 3], 1).unwrap_err();
        assert!(e.to_string().starts_with("--a × --b: the sizes"), "{e}");
        assert!(e.to_string().contains("overflow"), "{e}");
    }

    #[test]
    fn numeric_matrices_name_lines_and_columns() {
        let t = Table::new(vec![
            ("a".into(), Column::numeric(vec![1.0, 2.0, 3.0])),
            (
                "b".into(),
                Column::numeric_opt(vec![Some(4.0), Some(5.0), Some(6.0)]),
            ),
            ("m".into(), Column::numeric_opt(vec![Some(1.0), None, None])),
            (
                "n".into(),
                Column::numeric(vec![1.0, 2.0, f64::NEG_INFINITY]),
            ),
            ("s".into(), Column::categorical(&["x", "y", "z"])),
        ])
        .unwrap();
        let m = numeric_matrix(&t, &["b", "a"], "f.csv", 1).unwrap();
        assert_eq!(
            m,
            ua_tensor::ndarray::array![[4.0, 1.0], [5.0, 2.0], [6.0, 3.0]]
        );
        assert_eq!(
            numeric_matrix(&t, &["a", "m"], "f.csv", 1).unwrap_err(),
            Error::Failed("f.csv, line 3, column `m`: missing value (2 missing in the column); fill or remove those rows".into())
        );
        assert_eq!(
            numeric_matrix(&t, &["n"], "f.csv", 0).unwrap_err(),
            Error::Failed("f.csv, line 3, column `n`: value -inf is not finite".into())
        );
        assert_eq!(
            numeric_matrix(&t, &["s"], "f.csv", 1).unwrap_err(),
            Error::Failed("f.csv: column `s` must hold numbers, found categorical values".into())
        );
        let e = numeric_matrix(&t, &["zz"], "f.csv", 1).unwrap_err();
        assert!(
            e.to_string().starts_with("f.csv: ") && e.to_string().contains("`zz`"),
            "{e}"
        );
    }

    #[test]
    fn dates_are_checked_by_line() {
        let day = |s: &str| parse_date(s).unwrap();
        let table = |days: Vec<Option<i32>>| {
            Table::new(vec![("d".into(), Column::date_opt(days))]).unwrap()
        };
        let (lo, hi) = plausible_days();
        assert_eq!((lo, hi), (day("1900-01-01"), day("2100-12-31")));
        let ok = table(vec![
            Some(day("1997-03-01")),
            Some(lo),
            Some(hi),
            Some(day("1997-01-01")),
        ]);
        assert_eq!(check_dates(&ok, "d", "f", 1).unwrap(), (lo, hi));
        let ok = table(vec![
            Some(day("1997-03-01")),
            Some(day("1997-01-01")),
            Some(day("1997-02-01")),
        ]);
        assert_eq!(
            check_dates(&ok, "d", "f", 1).unwrap(),
            (day("1997-01-01"), day("1997-03-01"))
        );
        for bad in [lo - 1, hi + 1] {
            let t = table(vec![Some(day("1997-01-01")), Some(bad)]);
            let e = check_dates(&t, "d", "f.csv", 1).unwrap_err();
            assert!(
                e.to_string()
                    .starts_with("f.csv, line 3, column `d`: implausible date"),
                "{e}"
            );
        }
        let t = table(vec![Some(day("1997-01-01")), None]);
        assert_eq!(
            check_dates(&t, "d", "f.csv", 0).unwrap_err(),
            Error::Failed("f.csv, line 2, column `d`: missing date".into())
        );
        assert_eq!(
            check_dates(&table(vec![]), "d", "f.csv", 1).unwrap_err(),
            Error::Failed("f.csv: no transactions".into())
        );
        assert!(
            check_dates(&ok, "zz", "f.csv", 1)
                .unwrap_err()
                .to_string()
                .starts_with("f.csv: ")
        );
    }
}
