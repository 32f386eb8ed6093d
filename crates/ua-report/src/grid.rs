//! Heat grids (the RFM grid) and the confusion matrix drawn as one.

use std::fmt::Write as _;

use crate::Svg;
use crate::error::{Result, check_finite, check_len, empty, invalid};
use crate::format::{escape, format_number, format_percent};
use crate::svg::{self, MAX_WIDTH, axis_title, px, text, text_width};

/// Most rows or columns a heat grid draws.
///
/// ```
/// let rows: Vec<String> = (0..=ua_report::MAX_GRID_SIDE).map(|i| i.to_string()).collect();
/// let rows: Vec<&str> = rows.iter().map(String::as_str).collect();
/// let values = vec![1.0; rows.len()];
/// let e = ua_report::HeatGrid::new("t", &rows, &["c"], &values).to_svg().unwrap_err();
/// assert!(e.to_string().contains("at most 50"));
/// ```
pub const MAX_GRID_SIDE: usize = 50;

/// A grid of cells coloured by value (light = low, dark = high), each with
/// its text (counts, means), row and column labels, axis titles with units
/// and a colour key.
///
/// `values` are row-major, one per cell. Text in dark cells is white, so it
/// stays readable; the numbers are always written, so the grid does not rely
/// on colour.
///
/// ```
/// use ua_report::HeatGrid;
/// let svg = HeatGrid::new("RFM grid", &["R1", "R2"], &["F1", "F2", "F3"], &[1.0, 2.0, 3.0, 4.0, 5.0, 6.0])
///     .rows_axis("recency score", "1 = longest ago")
///     .cols_axis("frequency score", "1 = fewest orders")
///     .value_label("customers")
///     .to_svg()
///     .unwrap();
/// assert_eq!(svg.as_str().matches(r#"class="cell""#).count(), 6);
/// ```
#[derive(Debug, Clone)]
pub struct HeatGrid {
    title: String,
    desc: Option<String>,
    row_title: String,
    col_title: String,
    row_labels: Vec<String>,
    col_labels: Vec<String>,
    values: Vec<f64>,
    cell_text: Option<Vec<String>>,
    value_label: String,
    /// Write the colour key's ends as percentages (values are shares).
    key_percent: bool,
}

impl HeatGrid {
    /// A grid with `row_labels.len()` rows and `col_labels.len()` columns;
    /// `values` are row-major. The cell text defaults to the value.
    ///
    /// ```
    /// let g = ua_report::HeatGrid::new("t", &["a"], &["b"], &[1.0, 2.0]);
    /// assert!(g.to_svg().unwrap_err().to_string().contains("expected length 1, found 2"));
    /// ```
    pub fn new(
        title: impl Into<String>,
        row_labels: &[&str],
        col_labels: &[&str],
        values: &[f64],
    ) -> Self {
        HeatGrid {
            title: title.into(),
            desc: None,
            row_title: "row".into(),
            col_title: "column".into(),
            row_labels: row_labels.iter().map(|s| s.to_string()).collect(),
            col_labels: col_labels.iter().map(|s| s.to_string()).collect(),
            values: values.to_vec(),
            cell_text: None,
            value_label: "value".into(),
            key_percent: false,
        }
    }

    /// Names the row axis and its unit.
    ///
    /// ```
    /// let svg = ua_report::HeatGrid::new("t", &["a"], &["b"], &[1.0])
    ///     .rows_axis("R score", "quintile").to_svg().unwrap();
    /// assert!(svg.as_str().contains("R score (quintile)"));
    /// ```
    pub fn rows_axis(mut self, name: &str, unit: &str) -> Self {
        self.row_title = axis_title(name, unit);
        self
    }

    /// Names the column axis and its unit.
    ///
    /// ```
    /// let svg = ua_report::HeatGrid::new("t", &["a"], &["b"], &[1.0])
    ///     .cols_axis("F score", "quintile").to_svg().unwrap();
    /// assert!(svg.as_str().contains("F score (quintile)"));
    /// ```
    pub fn cols_axis(mut self, name: &str, unit: &str) -> Self {
        self.col_title = axis_title(name, unit);
        self
    }

    /// The text of each cell (row-major, one per cell); a `\n` starts a new
    /// line in the cell.
    ///
    /// ```
    /// let svg = ua_report::HeatGrid::new("t", &["a"], &["b"], &[3.0])
    ///     .cell_text(vec!["3 customers\nmean 12.5 EUR".into()]).to_svg().unwrap();
    /// assert!(svg.as_str().contains(">mean 12.5 EUR</tspan>"));
    /// ```
    pub fn cell_text(mut self, texts: Vec<String>) -> Self {
        self.cell_text = Some(texts);
        self
    }

    /// What the colour shows, for the colour key (e.g. "customers").
    ///
    /// ```
    /// let svg = ua_report::HeatGrid::new("t", &["a"], &["b"], &[3.0])
    ///     .value_label("mean order value (EUR)").to_svg().unwrap();
    /// assert!(svg.as_str().contains("colour: mean order value (EUR)"));
    /// ```
    pub fn value_label(mut self, label: impl Into<String>) -> Self {
        self.value_label = label.into();
        self
    }

    fn percent_key(mut self) -> Self {
        self.key_percent = true;
        self
    }

    /// A sentence put first in the `<desc>`.
    ///
    /// ```
    /// let svg = ua_report::HeatGrid::new("t", &["a"], &["b"], &[3.0])
    ///     .desc("Darker cells hold more customers.").to_svg().unwrap();
    /// assert!(svg.as_str().contains("<desc>Darker cells hold more customers."));
    /// ```
    pub fn desc(mut self, text: impl Into<String>) -> Self {
        self.desc = Some(text.into());
        self
    }

    /// Draws the grid. Errors when there are no rows or columns, more than
    /// [`MAX_GRID_SIDE`] of either, a length mismatch, or a non-finite value.
    ///
    /// ```
    /// let e = ua_report::HeatGrid::new("t", &["a"], &["b"], &[f64::NAN]).to_svg().unwrap_err();
    /// assert!(e.to_string().contains("values") && e.to_string().contains("index 0"));
    /// ```
    pub fn to_svg(&self) -> Result<Svg> {
        let (nr, nc) = (self.row_labels.len(), self.col_labels.len());
        if nr == 0 {
            return Err(empty("row_labels"));
        }
        if nc == 0 {
            return Err(empty("col_labels"));
        }
        for (name, n) in [("rows", nr), ("columns", nc)] {
            if n > MAX_GRID_SIDE {
                return Err(invalid(
                    name,
                    n,
                    &format!("at most {MAX_GRID_SIDE}; group the labels into fewer bands"),
                ));
            }
        }
        check_len("values (rows × columns)", nr * nc, self.values.len())?;
        check_finite("values", self.values.iter().copied())?;
        let texts: Vec<String> = match &self.cell_text {
            Some(t) => {
                check_len("cell_text (rows × columns)", nr * nc, t.len())?;
                t.clone()
            }
            None => self.values.iter().map(|&v| short(v)).collect(),
        };
        let lines = texts
            .iter()
            .map(|t| t.lines().count())
            .max()
            .unwrap_or(1)
            .max(1);
        let widest_text = texts
            .iter()
            .flat_map(|t| t.lines())
            .map(text_width)
            .fold(0.0, f64::max);
        let row_label_w = self
            .row_labels
            .iter()
            .map(|s| text_width(s))
            .fold(0.0, f64::max)
            .min(200.0);
        let left = 40.0 + row_label_w + 10.0;
        // Cells shrink to fit 1200 px (text may then overflow a narrow cell;
        // the description still lists every cell).
        let cw = ((MAX_WIDTH - left - 30.0) / nc as f64).min((widest_text + 16.0).max(60.0));
        let rh = (lines as f64 * 15.0 + 14.0).max(34.0);
        let top = 48.0;
        let width = (left + nc as f64 * cw + 30.0).clamp(400.0, MAX_WIDTH);
        let grid_bottom = top + nr as f64 * rh;
        let height = grid_bottom + 100.0;
        let (lo, hi) = self
            .values
            .iter()
            .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), &v| {
                (a.min(v), b.max(v))
            });
        let shade = |v: f64| if hi > lo { (v - lo) / (hi - lo) } else { 0.5 };
        let mut desc = String::new();
        if let Some(d) = &self.desc {
            desc.push_str(d);
            desc.push(' ');
        }
        let _ = write!(
            desc,
            "Grid of {nr} rows ({}) by {nc} columns ({}); colour shows {} from {} (light) to {} (dark).",
            self.row_title,
            self.col_title,
            self.value_label,
            short(lo),
            short(hi)
        );
        for (r, rl) in self.row_labels.iter().enumerate() {
            for (c, cl) in self.col_labels.iter().enumerate() {
                let _ = write!(
                    desc,
                    " {rl} / {cl}: {}.",
                    texts[r * nc + c].replace('\n', ", ")
                );
            }
        }
        let mut out = svg::open(width, height, &self.title, &desc);
        for (r, rl) in self.row_labels.iter().enumerate() {
            let y = top + r as f64 * rh;
            text(
                &mut out,
                "row-label",
                left - 8.0,
                y + rh / 2.0 + 4.0,
                "end",
                rl,
            );
            for c in 0..nc {
                let x = left + c as f64 * cw;
                let t = shade(self.values[r * nc + c]);
                let _ = writeln!(
                    out,
                    r##"<rect class="cell" x="{}" y="{}" width="{}" height="{}" fill="{}" stroke="#ffffff"/>"##,
                    px(x),
                    px(y),
                    px(cw),
                    px(rh),
                    blue(t)
                );
                let fill = if t > 0.55 { "#ffffff" } else { "#111111" };
                let cell_lines: Vec<&str> = texts[r * nc + c].lines().collect();
                let y0 = y + rh / 2.0 - (cell_lines.len() as f64 - 1.0) * 7.5 + 4.0;
                let _ = write!(
                    out,
                    r#"<text class="cell-text" x="{}" y="{}" text-anchor="middle" fill="{fill}">"#,
                    px(x + cw / 2.0),
                    px(y0)
                );
                for (k, line) in cell_lines.iter().enumerate() {
                    let _ = write!(
                        out,
                        r#"<tspan x="{}" dy="{}">{}</tspan>"#,
                        px(x + cw / 2.0),
                        if k == 0 { "0" } else { "15" },
                        escape(line)
                    );
                }
                out.push_str("</text>\n");
            }
        }
        for (c, cl) in self.col_labels.iter().enumerate() {
            let x = left + (c as f64 + 0.5) * cw;
            text(&mut out, "col-label", x, grid_bottom + 16.0, "middle", cl);
        }
        let gx = left + nc as f64 * cw / 2.0;
        text(
            &mut out,
            "axis-label",
            gx,
            grid_bottom + 36.0,
            "middle",
            &self.col_title,
        );
        let (cx, cy) = (16.0, top + nr as f64 * rh / 2.0);
        let _ = writeln!(
            out,
            r#"<text class="axis-label" x="{0}" y="{1}" text-anchor="middle" transform="rotate(-90 {0} {1})">{2}</text>"#,
            px(cx),
            px(cy),
            escape(&self.row_title)
        );
        // Colour key: five swatches from the lowest to the highest value.
        let ky = grid_bottom + 58.0;
        let _ = writeln!(out, r#"<g class="legend">"#);
        text(
            &mut out,
            "legend",
            left,
            ky + 12.0,
            "start",
            &format!("colour: {}", self.value_label),
        );
        let kx = left + text_width(&format!("colour: {}", self.value_label)) + 12.0;
        for k in 0..5 {
            let _ = writeln!(
                out,
                r##"<rect x="{}" y="{}" width="24" height="14" fill="{}" stroke="#888888"/>"##,
                px(kx + k as f64 * 24.0),
                px(ky),
                blue(k as f64 / 4.0)
            );
        }
        text(&mut out, "legend", kx, ky + 28.0, "middle", &short(lo));
        text(
            &mut out,
            "legend",
            kx + 120.0,
            ky + 28.0,
            "middle",
            &short(hi),
        );
        out.push_str("</g>\n");
        Ok(svg::close(out))
    }
}

/// Sequential blue from #f7fbff (t = 0) to #08306b (t = 1).
fn blue(t: f64) -> String {
    let t = t.clamp(0.0, 1.0);
    let lerp = |a: f64, b: f64| (a + (b - a) * t).round() as u8;
    format!(
        "#{:02x}{:02x}{:02x}",
        lerp(247.0, 8.0),
        lerp(251.0, 48.0),
        lerp(255.0, 107.0)
    )
}

/// A value in a cell: integers without decimals, else 2 decimals (3 below 1).
fn short(v: f64) -> String {
    if v.fract() == 0.0 && v.abs() < 1e15 {
        format_number(v, 0)
    } else if v.abs() >= 1.0 {
        format_number(v, 2)
    } else {
        format_number(v, 3)
    }
}

/// Counts of a binary classifier at one threshold.
///
/// ```
/// let c = ua_report::ConfusionCounts { tp: 40, fp: 10, fn_: 5, tn: 45 };
/// assert_eq!(c.total(), 100);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ConfusionCounts {
    /// Positives predicted positive.
    pub tp: usize,
    /// Negatives predicted positive.
    pub fp: usize,
    /// Positives predicted negative.
    pub fn_: usize,
    /// Negatives predicted negative.
    pub tn: usize,
}

impl ConfusionCounts {
    /// Counts from labels and predictions (errors when the lengths differ).
    ///
    /// ```
    /// let c = ua_report::ConfusionCounts::from_predictions(
    ///     &[true, true, false, false], &[true, false, true, false]).unwrap();
    /// assert_eq!((c.tp, c.fn_, c.fp, c.tn), (1, 1, 1, 1));
    /// ```
    pub fn from_predictions(labels: &[bool], predicted: &[bool]) -> Result<Self> {
        check_len("predicted (one per label)", labels.len(), predicted.len())?;
        let mut c = ConfusionCounts {
            tp: 0,
            fp: 0,
            fn_: 0,
            tn: 0,
        };
        for (&l, &p) in labels.iter().zip(predicted) {
            match (l, p) {
                (true, true) => c.tp += 1,
                (false, true) => c.fp += 1,
                (true, false) => c.fn_ += 1,
                (false, false) => c.tn += 1,
            }
        }
        Ok(c)
    }

    /// All rows.
    ///
    /// ```
    /// assert_eq!(ua_report::ConfusionCounts { tp: 1, fp: 2, fn_: 3, tn: 4 }.total(), 10);
    /// ```
    pub fn total(&self) -> usize {
        self.tp + self.fp + self.fn_ + self.tn
    }
}

/// The confusion matrix at `threshold` as a 2 × 2 heat grid: rows are the
/// actual class, columns the predicted class; each cell shows its name, its
/// count and its share of the actual class (colour = that share).
/// `classes` names the (positive, negative) class.
///
/// ```
/// use ua_report::{ConfusionCounts, confusion_chart};
/// let c = ConfusionCounts { tp: 40, fp: 10, fn_: 5, tn: 45 };
/// let svg = confusion_chart("Churn at threshold 0.5", c, ("churned", "stayed"), 0.5).unwrap();
/// assert!(svg.as_str().contains(">40</tspan>"));
/// assert!(svg.as_str().contains(">88.9% of actual churned</tspan>"));
/// ```
pub fn confusion_chart(
    title: &str,
    counts: ConfusionCounts,
    classes: (&str, &str),
    threshold: f64,
) -> Result<Svg> {
    check_finite("threshold", [threshold])?;
    if counts.total() == 0 {
        return Err(empty("confusion counts (0 rows)"));
    }
    let (p, n) = classes;
    let (pos, neg) = (counts.tp + counts.fn_, counts.tn + counts.fp);
    let rate = |k: usize, of: usize| if of == 0 { 0.0 } else { k as f64 / of as f64 };
    let cell = |name: &str, k: usize, of: usize, class: &str| {
        if of == 0 {
            format!("{name}\n{k}\nno actual {class} rows")
        } else {
            format!(
                "{name}\n{k}\n{} of actual {class}",
                format_percent(rate(k, of), 1)
            )
        }
    };
    let texts = vec![
        cell("true positives", counts.tp, pos, p),
        cell("false negatives", counts.fn_, pos, p),
        cell("false positives", counts.fp, neg, n),
        cell("true negatives", counts.tn, neg, n),
    ];
    let values = [
        rate(counts.tp, pos),
        rate(counts.fn_, pos),
        rate(counts.fp, neg),
        rate(counts.tn, neg),
    ];
    let rows = [format!("actual {p}"), format!("actual {n}")];
    let cols = [format!("predicted {p}"), format!("predicted {n}")];
    HeatGrid::new(
        title,
        &[rows[0].as_str(), rows[1].as_str()],
        &[cols[0].as_str(), cols[1].as_str()],
        &values,
    )
    .rows_axis("actual class", &format!("{} rows", counts.total()))
    .cols_axis(
        "predicted class",
        &format!("score ≥ {} predicts {p}", format_number(threshold, 3)),
    )
    .value_label("share of the actual class")
    .cell_text(texts)
    .desc(format!(
        "Confusion matrix at threshold {}.",
        format_number(threshold, 3)
    ))
    .percent_key()
    .to_svg()
}
