//! Writing a [`Shop`] to CSV files and converting its parts to [`Table`]s.
//!
//! Numbers are formatted only here, into one reused buffer per file; dates
//! are written as `YYYY-MM-DD`, timestamps as seconds since the epoch.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use super::{EventKind, Shop};
use crate::date::format_date;
use crate::table::{CategoricalColumn, Column, Table};
use crate::{Error, Result};

/// A CSV writer that formats fields into one reused buffer.
struct Out {
    wtr: csv::Writer<std::io::BufWriter<std::fs::File>>,
    buf: String,
    path: PathBuf,
}

impl Out {
    fn create(path: PathBuf) -> Result<Out> {
        let file = std::fs::File::create(&path).map_err(|source| Error::Io {
            path: path.display().to_string(),
            source,
        })?;
        let wtr =
            csv::WriterBuilder::new().from_writer(std::io::BufWriter::with_capacity(1 << 20, file));
        Ok(Out {
            wtr,
            buf: String::with_capacity(64),
            path,
        })
    }

    fn str(&mut self, s: &str) -> Result<()> {
        let path = &self.path;
        self.wtr.write_field(s).map_err(|e| csv_err(path, e))
    }

    fn num(&mut self, v: impl std::fmt::Display) -> Result<()> {
        self.buf.clear();
        // Writing into a String cannot fail.
        let _ = write!(self.buf, "{v}");
        let Out { wtr, buf, path } = self;
        wtr.write_field(buf.as_bytes())
            .map_err(|e| csv_err(path, e))
    }

    fn end_row(&mut self) -> Result<()> {
        let path = &self.path;
        self.wtr
            .write_record(None::<&[u8]>)
            .map_err(|e| csv_err(path, e))
    }

    fn header(&mut self, names: &[String]) -> Result<()> {
        let path = &self.path;
        self.wtr.write_record(names).map_err(|e| csv_err(path, e))
    }

    fn finish(mut self) -> Result<PathBuf> {
        self.wtr.flush().map_err(|source| Error::Io {
            path: self.path.display().to_string(),
            source,
        })?;
        Ok(self.path)
    }
}

fn csv_err(path: &Path, e: csv::Error) -> Error {
    Error::Csv {
        source_name: path.display().to_string(),
        line: 0,
        message: format!("write failed: {e}"),
    }
}

fn names(fixed: &[&str], prefix: &str, d: usize) -> Vec<String> {
    fixed
        .iter()
        .map(|s| s.to_string())
        .chain((0..d).map(|k| format!("{prefix}{k}")))
        .collect()
}

/// Date strings for the days `lo..=hi`, so the event log formats each day
/// once; days outside a cached span of at most 100 000 days are formatted on
/// the fly.
struct DateCache {
    lo: i32,
    text: Vec<String>,
}

impl DateCache {
    fn new(days: &[i32]) -> DateCache {
        let lo = days.iter().copied().min().unwrap_or(0);
        let hi = days.iter().copied().max().unwrap_or(-1);
        let hi = hi.min(lo.saturating_add(100_000));
        DateCache {
            lo,
            text: (lo..=hi).map(format_date).collect(),
        }
    }

    fn get(&self, day: i32) -> std::borrow::Cow<'_, str> {
        usize::try_from(i64::from(day) - i64::from(self.lo))
            .ok()
            .and_then(|i| self.text.get(i))
            .map_or_else(|| format_date(day).into(), |s| s.as_str().into())
    }
}

impl Shop {
    /// Writes `users.csv`, `items.csv`, `events.csv` and `orders.csv` (with
    /// headers; dates as `YYYY-MM-DD`; hidden columns prefixed `hidden_`)
    /// into `dir`, creating it if needed, and returns the four paths.
    ///
    /// ```
    /// use ua_data::synth::{generate, ShopConfig};
    /// let shop = generate(&ShopConfig { n_users: 20, n_items: 12, ..ShopConfig::small() }).unwrap();
    /// let dir = std::env::temp_dir().join("ua_data_synth_doc");
    /// let paths = shop.write_csvs(&dir).unwrap();
    /// assert_eq!(paths.len(), 4);
    /// let users = std::fs::read_to_string(&paths[0]).unwrap();
    /// assert!(users.starts_with("user_id,age,income,city_tier,signup_date,is_fraud"));
    /// assert_eq!(users.lines().count(), 21);
    /// ```
    pub fn write_csvs(&self, dir: impl AsRef<Path>) -> Result<Vec<PathBuf>> {
        self.validate()?;
        let dir = dir.as_ref();
        std::fs::create_dir_all(dir).map_err(|source| Error::Io {
            path: dir.display().to_string(),
            source,
        })?;
        Ok(vec![
            self.write_users(dir.join("users.csv"))?,
            self.write_items(dir.join("items.csv"))?,
            self.write_events(dir.join("events.csv"))?,
            self.write_orders(dir.join("orders.csv"))?,
        ])
    }

    fn write_users(&self, path: PathBuf) -> Result<PathBuf> {
        let u = &self.users;
        let d = u.hidden_taste.ncols();
        let mut out = Out::create(path)?;
        out.header(&names(
            &[
                "user_id",
                "age",
                "income",
                "city_tier",
                "signup_date",
                "is_fraud",
                "hidden_segment",
                "hidden_segment_name",
                "hidden_lapse_date",
                "hidden_purchase_prob",
            ],
            "hidden_taste_",
            d,
        ))?;
        for i in 0..u.len() {
            out.num(u.user_id[i])?;
            out.num(u.age[i])?;
            out.num(u.income[i])?;
            out.num(u.city_tier[i])?;
            out.str(&format_date(u.signup_day[i]))?;
            out.num(u.is_fraud[i])?;
            let seg = u.hidden_segment[i];
            out.num(seg)?;
            let name = self
                .config
                .segments
                .get(usize::from(seg))
                .map_or("", |s| s.name.as_str());
            out.str(name)?;
            out.str(&format_date(u.hidden_lapse_day[i]))?;
            out.num(u.hidden_purchase_prob[i])?;
            for &t in u.hidden_taste.row(i) {
                out.num(t)?;
            }
            out.end_row()?;
        }
        out.finish()
    }

    fn write_items(&self, path: PathBuf) -> Result<PathBuf> {
        let it = &self.items;
        let d = it.hidden_factors.ncols();
        let mut out = Out::create(path)?;
        out.header(&names(
            &["item_id", "category", "price"],
            "hidden_factor_",
            d,
        ))?;
        for i in 0..it.len() {
            out.num(it.item_id[i])?;
            out.num(it.category[i])?;
            out.num(it.price[i])?;
            for &f in it.hidden_factors.row(i) {
                out.num(f)?;
            }
            out.end_row()?;
        }
        out.finish()
    }

    fn write_events(&self, path: PathBuf) -> Result<PathBuf> {
        let e = &self.events;
        let dates = DateCache::new(&e.day);
        let mut out = Out::create(path)?;
        out.header(&names(
            &[
                "user_id",
                "item_id",
                "event",
                "timestamp",
                "date",
                "session_id",
                "quantity",
                "order_id",
            ],
            "",
            0,
        ))?;
        for i in 0..e.len() {
            out.num(e.user_id[i])?;
            out.num(e.item_id[i])?;
            out.str(e.kind[i].as_str())?;
            out.num(e.timestamp[i])?;
            out.str(&dates.get(e.day[i]))?;
            out.num(e.session_id[i])?;
            out.num(e.quantity[i])?;
            match e.order_id[i] {
                0 => out.str("")?,
                o => out.num(o)?,
            }
            out.end_row()?;
        }
        out.finish()
    }

    fn write_orders(&self, path: PathBuf) -> Result<PathBuf> {
        let o = &self.orders;
        let dates = DateCache::new(&o.day);
        let mut out = Out::create(path)?;
        out.header(&names(
            &[
                "order_id",
                "user_id",
                "timestamp",
                "date",
                "amount",
                "quantity",
                "n_items",
                "is_fraud",
            ],
            "",
            0,
        ))?;
        for i in 0..o.len() {
            out.num(o.order_id[i])?;
            out.num(o.user_id[i])?;
            out.num(o.timestamp[i])?;
            out.str(&dates.get(o.day[i]))?;
            out.num(o.amount[i])?;
            out.num(o.quantity[i])?;
            out.num(o.n_items[i])?;
            out.num(o.is_fraud[i])?;
            out.end_row()?;
        }
        out.finish()
    }

    /// The users as a [`Table`]: `user_id, age, income, city_tier` (numeric),
    /// `signup_date` (date), `is_fraud` (boolean), and the hidden truth
    /// `hidden_segment` (numeric index), `hidden_segment_name` (categorical),
    /// `hidden_lapse_date` (date), `hidden_purchase_prob`,
    /// `hidden_taste_0..d` (numeric).
    ///
    /// ```
    /// let shop = ua_data::synth::generate(&ua_data::synth::ShopConfig::small()).unwrap();
    /// let t = shop.users_table().unwrap();
    /// assert_eq!(t.n_rows(), 300);
    /// assert!(t.has_column("hidden_segment") && t.has_column("hidden_taste_7"));
    /// ```
    pub fn users_table(&self) -> Result<Table> {
        self.validate()?;
        let u = &self.users;
        let num = |v: Vec<f64>| Column::numeric(v);
        let segment_names: Vec<String> = self
            .config
            .segments
            .iter()
            .map(|s| s.name.clone())
            .collect();
        let mut cols: Vec<(String, Column)> = vec![
            (
                "user_id".into(),
                num(u.user_id.iter().map(|&x| x as f64).collect()),
            ),
            (
                "age".into(),
                num(u.age.iter().map(|&x| f64::from(x)).collect()),
            ),
            ("income".into(), num(u.income.clone())),
            (
                "city_tier".into(),
                num(u.city_tier.iter().map(|&x| f64::from(x)).collect()),
            ),
            ("signup_date".into(), Column::date(u.signup_day.clone())),
            ("is_fraud".into(), Column::boolean(u.is_fraud.clone())),
            (
                "hidden_segment".into(),
                num(u.hidden_segment.iter().map(|&x| f64::from(x)).collect()),
            ),
            (
                "hidden_segment_name".into(),
                Column::Categorical(CategoricalColumn::from_codes(
                    u.hidden_segment.iter().map(|&x| u32::from(x)).collect(),
                    segment_names,
                )?),
            ),
            (
                "hidden_lapse_date".into(),
                Column::date(u.hidden_lapse_day.clone()),
            ),
            (
                "hidden_purchase_prob".into(),
                num(u.hidden_purchase_prob.clone()),
            ),
        ];
        for (k, col) in u.hidden_taste.columns().into_iter().enumerate() {
            cols.push((
                format!("hidden_taste_{k}"),
                num(col.iter().map(|&x| f64::from(x)).collect()),
            ));
        }
        Table::new(cols)
    }

    /// The items as a [`Table`]: `item_id, category, price` and
    /// `hidden_factor_0..d` (all numeric).
    ///
    /// ```
    /// let shop = ua_data::synth::generate(&ua_data::synth::ShopConfig::small()).unwrap();
    /// let t = shop.items_table().unwrap();
    /// assert_eq!(t.n_rows(), 80);
    /// assert!(t.has_column("hidden_factor_0"));
    /// ```
    pub fn items_table(&self) -> Result<Table> {
        self.validate()?;
        let it = &self.items;
        let mut cols: Vec<(String, Column)> = vec![
            (
                "item_id".into(),
                Column::numeric(it.item_id.iter().map(|&x| x as f64).collect()),
            ),
            (
                "category".into(),
                Column::numeric(it.category.iter().map(|&x| f64::from(x)).collect()),
            ),
            ("price".into(), Column::numeric(it.price.clone())),
        ];
        for (k, col) in it.hidden_factors.columns().into_iter().enumerate() {
            cols.push((
                format!("hidden_factor_{k}"),
                Column::numeric(col.iter().map(|&x| f64::from(x)).collect()),
            ));
        }
        Table::new(cols)
    }

    /// The event log as a [`Table`]: `user_id, item_id` (numeric), `event`
    /// (categorical: view/cart/purchase), `timestamp` (numeric seconds),
    /// `date` (date), `session_id, quantity` (numeric), `order_id` (numeric,
    /// missing for views and carts).
    ///
    /// ```
    /// let shop = ua_data::synth::generate(&ua_data::synth::ShopConfig::small()).unwrap();
    /// let t = shop.events_table().unwrap();
    /// assert_eq!(t.n_rows(), shop.events.len());
    /// assert_eq!(t.categorical("event").unwrap().levels(), ["view", "cart", "purchase"]);
    /// ```
    pub fn events_table(&self) -> Result<Table> {
        self.validate()?;
        let e = &self.events;
        let levels = [EventKind::View, EventKind::Cart, EventKind::Purchase]
            .iter()
            .map(|k| k.as_str().to_string())
            .collect();
        Table::new(vec![
            (
                "user_id".into(),
                Column::numeric(e.user_id.iter().map(|&x| x as f64).collect()),
            ),
            (
                "item_id".into(),
                Column::numeric(e.item_id.iter().map(|&x| x as f64).collect()),
            ),
            (
                "event".into(),
                Column::Categorical(CategoricalColumn::from_codes(
                    e.kind.iter().map(|&k| k as u32).collect(),
                    levels,
                )?),
            ),
            (
                "timestamp".into(),
                Column::numeric(e.timestamp.iter().map(|&x| x as f64).collect()),
            ),
            ("date".into(), Column::date(e.day.clone())),
            (
                "session_id".into(),
                Column::numeric(e.session_id.iter().map(|&x| x as f64).collect()),
            ),
            (
                "quantity".into(),
                Column::numeric(e.quantity.iter().map(|&x| f64::from(x)).collect()),
            ),
            (
                "order_id".into(),
                Column::numeric_opt(
                    e.order_id
                        .iter()
                        .map(|&o| (o != 0).then_some(o as f64))
                        .collect(),
                ),
            ),
        ])
    }

    /// The orders as a [`Table`]: `order_id, user_id, timestamp` (numeric),
    /// `date` (date), `amount, quantity, n_items` (numeric), `is_fraud` (boolean).
    ///
    /// ```
    /// let shop = ua_data::synth::generate(&ua_data::synth::ShopConfig::small()).unwrap();
    /// let t = shop.orders_table().unwrap();
    /// assert_eq!(t.n_rows(), shop.orders.len());
    /// assert!(t.date("date").is_ok());
    /// ```
    pub fn orders_table(&self) -> Result<Table> {
        self.validate()?;
        let o = &self.orders;
        let as_f64 = |v: &[u64]| -> Vec<f64> { v.iter().map(|&x| x as f64).collect() };
        Table::new(vec![
            ("order_id".into(), Column::numeric(as_f64(&o.order_id))),
            ("user_id".into(), Column::numeric(as_f64(&o.user_id))),
            (
                "timestamp".into(),
                Column::numeric(o.timestamp.iter().map(|&x| x as f64).collect()),
            ),
            ("date".into(), Column::date(o.day.clone())),
            ("amount".into(), Column::numeric(o.amount.clone())),
            (
                "quantity".into(),
                Column::numeric(o.quantity.iter().map(|&x| f64::from(x)).collect()),
            ),
            (
                "n_items".into(),
                Column::numeric(o.n_items.iter().map(|&x| f64::from(x)).collect()),
            ),
            ("is_fraud".into(), Column::boolean(o.is_fraud.clone())),
        ])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn date_cache_formats_inside_and_outside_its_span() {
        let c = DateCache::new(&[0, 400_000]);
        assert_eq!(c.text.len(), 100_001);
        assert_eq!(c.get(0), "1970-01-01");
        assert_eq!(c.get(31), "1970-02-01");
        assert_eq!(c.get(400_000), format_date(400_000));
        assert_eq!(c.get(-1), "1969-12-31");
        assert!(DateCache::new(&[]).text.is_empty());
    }
}
