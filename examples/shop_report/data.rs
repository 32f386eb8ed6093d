//! The shop's data: the synthetic shop of `ua_data::synth`, or the user's
//! own order log and event log, with their columns renamed to one set of
//! names so every stage reads the same columns.

use std::path::PathBuf;

use user_analytics::cli::{self, Error};
use user_analytics::data::csv_io::{CsvOptions, read_csv};
use user_analytics::data::date::format_date;
use user_analytics::data::synth::{ShopConfig, generate};
use user_analytics::data::{Column, ColumnType, Table};

/// Column names every stage reads.
pub mod col {
    /// Customer id (orders and events).
    pub const USER: &str = "user";
    /// Order date (orders; a date column).
    pub const DATE: &str = "date";
    /// Order amount (orders).
    pub const AMOUNT: &str = "amount";
    /// Fraud label (orders, optional; boolean).
    pub const FRAUD: &str = "fraud";
    /// Item id (events; orders when given).
    pub const ITEM: &str = "item";
    /// Event type (events).
    pub const EVENT: &str = "event";
    /// Event time, seconds since 1970 UTC (events; orders when known).
    pub const TIME: &str = "time";
}

/// Where the user's files are and which columns to read.
#[derive(Debug, Clone, PartialEq)]
pub struct Files {
    /// The order log (one row per order or transaction).
    pub orders: Option<PathBuf>,
    /// The event log (views, carts, purchases).
    pub events: Option<PathBuf>,
    /// Customer id column (both files).
    pub user_col: String,
    /// Order date column.
    pub date_col: String,
    /// Order amount column.
    pub amount_col: String,
    /// Fraud label column of the orders, if any.
    pub fraud_col: Option<String>,
    /// Item column of the events.
    pub item_col: String,
    /// Event type column of the events.
    pub event_col: String,
    /// Event time column (seconds since 1970 UTC, or a date).
    pub time_col: String,
    /// The event type that is a purchase.
    pub purchase_event: String,
    /// Field separator.
    pub delimiter: u8,
}

/// The tables of one shop, columns named as in [`col`].
pub struct ShopData {
    /// Where the data came from, for the report.
    pub source: String,
    /// `user`, `date`, `amount` [, `fraud`] [, `time`].
    pub orders: Table,
    /// `user`, `item`, `event`, `time`, when an event log is given.
    pub events: Option<Table>,
    /// The event type that counts as a purchase.
    pub purchase_event: String,
    /// First and last order day.
    pub first_day: i32,
    /// The report's date: the last day with data (or `--as-of`).
    pub as_of: i32,
}

/// `orders` without the rows that have no amount, and how many those were
/// (every section reads amounts; the report says how many were left out).
fn without_missing_amounts(orders: Table) -> Result<(Table, usize), Error> {
    let amounts = orders.numeric(col::AMOUNT).map_err(|e| e.to_string())?;
    let keep: Vec<usize> = amounts
        .iter()
        .enumerate()
        .filter(|(_, a)| a.is_some())
        .map(|(i, _)| i)
        .collect();
    let dropped = orders.n_rows() - keep.len();
    if dropped == 0 {
        return Ok((orders, 0));
    }
    Ok((orders.take(&keep).map_err(|e| e.to_string())?, dropped))
}

/// Keeps `pairs` (from → to) of `table`, renamed.
fn renamed(table: &Table, pairs: &[(&str, &str)]) -> Result<Table, String> {
    let names: Vec<&str> = pairs.iter().map(|p| p.0).collect();
    let mut t = table.select(&names).map_err(|e| e.to_string())?;
    for (from, to) in pairs {
        if from != to {
            t.rename_column(from, *to).map_err(|e| e.to_string())?;
        }
    }
    Ok(t)
}

/// The synthetic shop with `users` customers, seeded.
pub fn synthetic(seed: u64, users: usize) -> Result<ShopData, Error> {
    let config = ShopConfig {
        seed,
        n_users: users,
        ..ShopConfig::default()
    };
    let shop = generate(&config).map_err(|e| e.to_string())?;
    let orders = renamed(
        &shop.orders_table().map_err(|e| e.to_string())?,
        &[
            ("user_id", col::USER),
            ("date", col::DATE),
            ("amount", col::AMOUNT),
            ("is_fraud", col::FRAUD),
            ("timestamp", col::TIME),
        ],
    )?;
    let events = renamed(
        &shop.events_table().map_err(|e| e.to_string())?,
        &[
            ("user_id", col::USER),
            ("item_id", col::ITEM),
            ("event", col::EVENT),
            ("timestamp", col::TIME),
        ],
    )?;
    Ok(ShopData {
        source: format!(
            "synthetic shop (ua_data::synth, seed {seed}): {users} users, {} items, {} days from {}",
            config.n_items,
            config.n_days,
            format_date(config.start_day)
        ),
        orders,
        events: Some(events),
        purchase_event: "purchase".into(),
        first_day: config.start_day,
        as_of: config.end_day(),
    })
}

/// Reads the event log: `user`, `item`, `event`, `time` in seconds (a date
/// column becomes midnight of its day), and `amount` when the file has the
/// amount column.
fn read_events(f: &Files, path: &std::path::Path) -> Result<Table, Error> {
    cli::check_not_empty("--events", path)?;
    let opts = CsvOptions::default()
        .delimiter(f.delimiter)
        .with_type(&f.user_col, ColumnType::Categorical)
        .with_type(&f.item_col, ColumnType::Categorical)
        .with_type(&f.event_col, ColumnType::Categorical);
    let raw = read_csv(path, &opts).map_err(|e| e.to_string())?;
    let name = path.display().to_string();
    let mut pairs = vec![
        (f.user_col.as_str(), col::USER),
        (f.item_col.as_str(), col::ITEM),
        (f.event_col.as_str(), col::EVENT),
        (f.time_col.as_str(), col::TIME),
    ];
    if raw.has_column(&f.amount_col) {
        pairs.push((f.amount_col.as_str(), col::AMOUNT));
    }
    let mut t = renamed(&raw, &pairs).map_err(|e| format!("{name}: {e}"))?;
    if let Ok(days) = t.date(col::TIME) {
        let secs = days
            .iter()
            .map(|d| d.map(|d| f64::from(d) * 86_400.0))
            .collect();
        t.replace_column(col::TIME, Column::numeric_opt(secs))
            .map_err(|e| e.to_string())?;
    }
    Ok(t)
}

/// The orders of an event log: its purchase events, dated by their day,
/// with their amount (1 per purchase when the log has no amount column).
fn orders_from_events(events: &Table, purchase: &str, name: &str) -> Result<Table, Error> {
    let kinds = events.categorical(col::EVENT).map_err(|e| e.to_string())?;
    let rows: Vec<usize> = kinds
        .iter()
        .enumerate()
        .filter(|(_, k)| *k == Some(purchase))
        .map(|(i, _)| i)
        .collect();
    if rows.is_empty() {
        return Err(Error::failed(format!(
            "{name}: no `{purchase}` event (the purchases the orders are made of); \
             name the purchase event type with --purchase-event or give --orders"
        )));
    }
    let p = events.take(&rows).map_err(|e| e.to_string())?;
    let time = p.numeric(col::TIME).map_err(|e| e.to_string())?;
    let mut days = Vec::with_capacity(rows.len());
    for (i, t) in time.iter().enumerate() {
        let t = t.ok_or_else(|| format!("{name}: purchase event {} has no time", i + 1))?;
        days.push((t / 86_400.0).floor() as i32);
    }
    let amount = match p.numeric(col::AMOUNT) {
        Ok(a) => Column::Numeric(a.clone()),
        Err(_) => Column::numeric(vec![1.0; rows.len()]),
    };
    Table::new(vec![
        (
            col::USER.into(),
            p.column(col::USER).map_err(|e| e.to_string())?.clone(),
        ),
        (col::DATE.into(), Column::date(days)),
        (col::AMOUNT.into(), amount),
        (
            col::TIME.into(),
            p.column(col::TIME).map_err(|e| e.to_string())?.clone(),
        ),
    ])
    .map_err(|e| Error::failed(e.to_string()))
}

/// First and last purchase day of orders made from events; a day outside
/// 1900–2100 is an error naming the purchase and its time.
fn purchase_days(orders: &Table, name: &str) -> Result<(i32, i32), Error> {
    let (lo, hi) = cli::plausible_days();
    let days = orders.date(col::DATE).map_err(|e| e.to_string())?;
    let mut range: Option<(i32, i32)> = None;
    for (i, d) in days.iter().enumerate() {
        let d = d.unwrap_or(i32::MIN);
        if d < lo || d > hi {
            return Err(Error::failed(format!(
                "{name}: purchase event {} has an implausible time (day {d}, expected \
                 1900-01-01 to 2100-12-31 as seconds since 1970 or a date)",
                i + 1
            )));
        }
        range = Some(range.map_or((d, d), |(a, b)| (a.min(d), b.max(d))));
    }
    range.ok_or_else(|| Error::failed(format!("{name}: no purchases")))
}

/// The user's files; `as_of` defaults to the last order day. Without
/// `--orders`, the orders are the event log's purchases.
pub fn from_files(f: &Files, as_of: Option<i32>) -> Result<ShopData, Error> {
    let events = f.events.as_ref().map(|p| read_events(f, p)).transpose()?;
    let (orders, name) = match (&f.orders, &events) {
        (Some(path), _) => {
            cli::check_not_empty("--orders", path)?;
            let mut opts = CsvOptions::default()
                .delimiter(f.delimiter)
                .with_type(&f.user_col, ColumnType::Categorical)
                .with_type(&f.date_col, ColumnType::Date)
                .with_type(&f.amount_col, ColumnType::Numeric);
            if let Some(fr) = &f.fraud_col {
                opts = opts.with_type(fr, ColumnType::Boolean);
            }
            let raw = read_csv(path, &opts).map_err(|e| e.to_string())?;
            let name = path.display().to_string();
            let mut pairs = vec![
                (f.user_col.as_str(), col::USER),
                (f.date_col.as_str(), col::DATE),
                (f.amount_col.as_str(), col::AMOUNT),
            ];
            if let Some(fr) = &f.fraud_col {
                pairs.push((fr.as_str(), col::FRAUD));
            }
            (
                renamed(&raw, &pairs).map_err(|e| format!("{name}: {e}"))?,
                name,
            )
        }
        (None, Some(ev)) => {
            let name = f
                .events
                .as_ref()
                .map(|p| p.display().to_string())
                .unwrap_or_default();
            (orders_from_events(ev, &f.purchase_event, &name)?, name)
        }
        (None, None) => return Err(Error::usage("give --orders, --events or both")),
    };
    let (orders, no_amount) = without_missing_amounts(orders)?;
    let (first_day, last_day) = if f.orders.is_some() {
        cli::check_dates(&orders, col::DATE, &name, 1)?
    } else {
        purchase_days(&orders, &name)?
    };
    let as_of = as_of.unwrap_or(last_day);
    if as_of < first_day {
        return Err(Error::usage(format!(
            "--as-of {} is before the first order ({})",
            format_date(as_of),
            format_date(first_day)
        )));
    }
    Ok(ShopData {
        source: match (&f.orders, &f.events) {
            (Some(_), Some(e)) => format!("{name} and {}", e.display()),
            (Some(_), None) => name,
            _ => format!("{name} (the orders are its purchase events)"),
        } + &format!(
            ": orders {} .. {}{}",
            format_date(first_day),
            format_date(last_day),
            if no_amount > 0 {
                format!("; {no_amount} orders without an amount left out")
            } else {
                String::new()
            }
        ),
        orders,
        events,
        purchase_event: f.purchase_event.clone(),
        first_day,
        as_of,
    })
}
