//! What every stage of the report gets and gives: the shop's data and the
//! output directory in, one report section out.

use std::path::{Path, PathBuf};

use serde_json::{Map, Value};
use user_analytics::data::Table;
use user_analytics::data::csv_io::write_csv;
use user_analytics::report::Item;
use user_analytics::tensor::persist::Persist;

use crate::data::ShopData;

/// One stage's part of the report.
pub struct Section {
    /// The section heading.
    pub title: String,
    /// How to read its figures (one or two sentences).
    pub guide: String,
    /// Charts, tables and paragraphs, in order.
    pub items: Vec<Item>,
    /// Sentences with numbers for the summary at the top of the report.
    pub summary: Vec<String>,
    /// Headline figures for `summary.json` (the numbers the sentences quote).
    pub figures: Map<String, Value>,
}

impl Section {
    /// An empty section.
    pub fn new(title: &str, guide: &str) -> Self {
        Section {
            title: title.into(),
            guide: guide.into(),
            items: Vec::new(),
            summary: Vec::new(),
            figures: Map::new(),
        }
    }

    /// A section that could not be built: it says why, in the section and
    /// in the summary, and `summary.json` records the reason under `skipped`.
    pub fn skipped(title: &str, reason: &str) -> Self {
        let mut s = Section::new(title, "This section was not built.");
        s.items.push(Item::Paragraph(format!("Skipped: {reason}.")));
        s.summary.push(format!("{title}: skipped — {reason}."));
        s.figure("skipped", reason);
        s
    }

    /// Records a headline figure.
    pub fn figure(&mut self, key: &str, value: impl Into<Value>) {
        self.figures.insert(key.into(), value.into());
    }
}

/// The report directory: `models/` for fitted models, CSV files beside
/// `index.html`. Every file written is listed, so the report can name them.
pub struct Out {
    dir: PathBuf,
    written: std::cell::RefCell<Vec<String>>,
}

impl Out {
    /// The directory (created with `models/` inside).
    pub fn create(dir: &Path) -> Result<Self, String> {
        std::fs::create_dir_all(dir.join("models"))
            .map_err(|e| format!("{}: cannot create the report directory: {e}", dir.display()))?;
        Ok(Out {
            dir: dir.to_path_buf(),
            written: Default::default(),
        })
    }

    /// Saves a fitted model as `models/{name}.json` (the common envelope).
    pub fn model(&self, name: &str, model: &impl Persist) -> Result<(), String> {
        let rel = format!("models/{name}.json");
        model
            .save(self.dir.join(&rel))
            .map_err(|e| format!("saving {rel}: {e}"))?;
        self.written.borrow_mut().push(rel);
        Ok(())
    }

    /// Writes `table` as `{name}.csv`.
    pub fn csv(&self, name: &str, table: &Table) -> Result<(), String> {
        let rel = format!("{name}.csv");
        write_csv(table, self.dir.join(&rel)).map_err(|e| format!("writing {rel}: {e}"))?;
        self.written.borrow_mut().push(rel);
        Ok(())
    }

    /// Writes a text file (the page, the summary).
    pub fn text(&self, name: &str, text: &str) -> Result<PathBuf, String> {
        let path = self.dir.join(name);
        std::fs::write(&path, text).map_err(|e| format!("writing {}: {e}", path.display()))?;
        self.written.borrow_mut().push(name.into());
        Ok(path)
    }

    /// The files written so far (relative to the directory), in order.
    pub fn written(&self) -> Vec<String> {
        self.written.borrow().clone()
    }
}

/// What a stage reads.
pub struct Context<'a> {
    /// The shop's tables and column names.
    pub shop: &'a ShopData,
    /// Where models and CSV files go.
    pub out: &'a Out,
    /// Seed of every split and model.
    pub seed: u64,
    /// Days after the calibration end whose purchases are the label of
    /// the purchase models.
    pub horizon_days: i32,
}

/// `x` as a percentage with no decimals, for sentences.
pub fn pct(x: f64) -> String {
    format!("{:.0} %", 100.0 * x)
}
