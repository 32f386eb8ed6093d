//! One self-contained HTML5 page: a title, a summary, sections with a
//! reading guide and their charts, tables and paragraphs.

use std::fmt::Write as _;

use crate::Svg;
use crate::error::Result;
use crate::format::escape;
use crate::table::HtmlTable;

/// One thing shown in a section.
///
/// ```
/// use ua_report::{HtmlTable, Item, LineChart};
/// let items: Vec<Item> = vec![
///     LineChart::new("Loss").series_y("train", &[0.5, 0.4]).to_svg().unwrap().into(),
///     HtmlTable::new(&["a"]).row(["1"]).into(),
///     Item::Paragraph("Lower is better.".into()),
/// ];
/// assert_eq!(items.len(), 3);
/// ```
#[derive(Debug, Clone, PartialEq)]
pub enum Item {
    /// A chart made by this crate, inlined as is.
    Chart(Svg),
    /// A table.
    Table(HtmlTable),
    /// A paragraph of text (escaped).
    Paragraph(String),
    /// A bulleted list (each entry escaped).
    List(Vec<String>),
}

impl From<Svg> for Item {
    fn from(svg: Svg) -> Self {
        Item::Chart(svg)
    }
}

impl From<HtmlTable> for Item {
    fn from(t: HtmlTable) -> Self {
        Item::Table(t)
    }
}

#[derive(Debug, Clone, PartialEq)]
struct Section {
    title: String,
    guide: String,
    items: Vec<Item>,
}

/// A report page: a title, summary sentences, then sections in order, each
/// with a title, a reading guide and its items.
///
/// [`to_html`](Page::to_html) returns one self-contained file: inline CSS
/// and SVG, no JavaScript, no link to anything outside it. Every text given
/// is HTML-escaped; only the [`Svg`] values made by this crate are inlined
/// as they are. The markup is also well-formed XML (XHTML-compatible), so it
/// can be checked with any XML parser.
///
/// ```
/// use ua_report::{Item, LineChart, Page};
/// let chart = LineChart::new("Loss").series_y("train", &[0.5, 0.4]).to_svg().unwrap();
/// let html = Page::new("Shop report")
///     .summary(["1,000 customers; 4 segments."])
///     .section("Propensity", "Higher curves are better.", vec![chart.into()])
///     .to_html()
///     .unwrap();
/// assert!(html.starts_with("<!DOCTYPE html>"));
/// assert!(html.contains("<h2 id=\"section-1\">Propensity</h2>"));
/// assert!(!html.contains("<script"));
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Page {
    title: String,
    summary: Vec<String>,
    sections: Vec<Section>,
    footer: Option<String>,
}

impl Page {
    /// An empty page with this title.
    ///
    /// ```
    /// let html = ua_report::Page::new("Report").to_html().unwrap();
    /// assert!(html.contains("<title>Report</title>"));
    /// ```
    pub fn new(title: impl Into<String>) -> Self {
        Page {
            title: title.into(),
            summary: Vec::new(),
            sections: Vec::new(),
            footer: None,
        }
    }

    /// Adds summary sentences, shown first as a list.
    ///
    /// ```
    /// let html = ua_report::Page::new("R").summary(["A.", "B."]).to_html().unwrap();
    /// assert!(html.contains("<li>A.</li>") && html.contains("<li>B.</li>"));
    /// ```
    pub fn summary<I, S>(mut self, sentences: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.summary.extend(sentences.into_iter().map(Into::into));
        self
    }

    /// Adds a section: its title, a reading guide (how to read its figures)
    /// and its items in order. Sections are numbered and listed in a table
    /// of contents.
    ///
    /// ```
    /// let html = ua_report::Page::new("R")
    ///     .section("Segments", "Each dot is a customer.", vec![])
    ///     .to_html().unwrap();
    /// assert!(html.contains(r##"<a href="#section-1">Segments</a>"##));
    /// assert!(html.contains(r#"<p class="guide">Each dot is a customer.</p>"#));
    /// ```
    pub fn section(
        mut self,
        title: impl Into<String>,
        reading_guide: impl Into<String>,
        items: Vec<Item>,
    ) -> Self {
        self.sections.push(Section {
            title: title.into(),
            guide: reading_guide.into(),
            items,
        });
        self
    }

    /// A line at the bottom (how the report was made: command, seed, date).
    ///
    /// ```
    /// let html = ua_report::Page::new("R").footer("seed 7").to_html().unwrap();
    /// assert!(html.contains("<footer>seed 7</footer>"));
    /// ```
    pub fn footer(mut self, text: impl Into<String>) -> Self {
        self.footer = Some(text.into());
        self
    }

    /// The whole HTML file. Errors only when a table is malformed (a row
    /// of the wrong length), naming the section and the row.
    ///
    /// ```
    /// use ua_report::{HtmlTable, Page};
    /// let bad = HtmlTable::new(&["a", "b"]).row(["x"]);
    /// let e = Page::new("R").section("S", "g", vec![bad.into()]).to_html().unwrap_err();
    /// assert!(e.to_string().contains("section `S`") && e.to_string().contains("row 0"));
    /// ```
    pub fn to_html(&self) -> Result<String> {
        let mut out = String::new();
        out.push_str(
            "<!DOCTYPE html>\n<html xmlns=\"http://www.w3.org/1999/xhtml\" lang=\"en\">\n<head>\n",
        );
        out.push_str("<meta charset=\"utf-8\"/>\n");
        out.push_str("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"/>\n");
        let _ = writeln!(out, "<title>{}</title>", escape(&self.title));
        let _ = writeln!(out, "<style>{CSS}</style>");
        out.push_str("</head>\n<body>\n<main>\n");
        let _ = writeln!(out, "<h1>{}</h1>", escape(&self.title));
        if !self.summary.is_empty() {
            out.push_str("<section class=\"summary\">\n<h2>Summary</h2>\n<ul>\n");
            for s in &self.summary {
                let _ = writeln!(out, "<li>{}</li>", escape(s));
            }
            out.push_str("</ul>\n</section>\n");
        }
        if !self.sections.is_empty() {
            out.push_str("<nav>\n<h2>Contents</h2>\n<ol>\n");
            for (i, s) in self.sections.iter().enumerate() {
                let _ = writeln!(
                    out,
                    "<li><a href=\"#section-{}\">{}</a></li>",
                    i + 1,
                    escape(&s.title)
                );
            }
            out.push_str("</ol>\n</nav>\n");
        }
        for (i, s) in self.sections.iter().enumerate() {
            out.push_str("<section>\n");
            let _ = writeln!(
                out,
                "<h2 id=\"section-{}\">{}</h2>",
                i + 1,
                escape(&s.title)
            );
            if !s.guide.is_empty() {
                let _ = writeln!(out, "<p class=\"guide\">{}</p>", escape(&s.guide));
            }
            for item in &s.items {
                match item {
                    Item::Chart(svg) => {
                        out.push_str("<figure>\n");
                        out.push_str(svg.as_str());
                        out.push_str("</figure>\n");
                    }
                    Item::Table(t) => {
                        let html = t.to_html().map_err(|e| in_section(&s.title, e))?;
                        out.push_str(&html);
                    }
                    Item::Paragraph(p) => {
                        let _ = writeln!(out, "<p>{}</p>", escape(p));
                    }
                    Item::List(entries) => {
                        out.push_str("<ul>\n");
                        for e in entries {
                            let _ = writeln!(out, "<li>{}</li>", escape(e));
                        }
                        out.push_str("</ul>\n");
                    }
                }
            }
            out.push_str("</section>\n");
        }
        if let Some(f) = &self.footer {
            let _ = writeln!(out, "<footer>{}</footer>", escape(f));
        }
        out.push_str("</main>\n</body>\n</html>\n");
        Ok(out)
    }
}

/// Prefixes a table error with the section it is in.
fn in_section(section: &str, e: crate::Error) -> crate::Error {
    match e {
        crate::Error::LengthMismatch {
            what,
            expected,
            found,
        } => crate::Error::LengthMismatch {
            what: format!("section `{section}`, {what}"),
            expected,
            found,
        },
        crate::Error::Empty { what } => crate::Error::Empty {
            what: format!("section `{section}`, {what}"),
        },
        other => other,
    }
}

/// Inline style: readable on a 1280-px screen, charts scale down on narrow
/// ones. (No `<` or `&` in it, so it is also valid XML text.)
const CSS: &str = "
body { margin: 0; background: #f6f6f6; color: #1a1a1a; font: 15px/1.5 sans-serif; }
main { max-width: 1240px; margin: 0 auto; padding: 16px 20px 40px; background: #ffffff; }
h1 { font-size: 28px; margin: 8px 0 16px; }
h2 { font-size: 21px; margin: 28px 0 8px; border-bottom: 1px solid #dddddd; }
section.summary { background: #eef4fa; padding: 4px 16px 8px; }
p.guide { color: #333333; font-style: italic; max-width: 75ch; }
figure { margin: 16px 0; }
figure svg { max-width: 100%; height: auto; }
table { border-collapse: collapse; margin: 12px 0; font-size: 14px; }
caption { text-align: left; font-weight: bold; padding: 4px 0; }
th, td { border: 1px solid #cccccc; padding: 4px 8px; text-align: left; }
th { background: #f0f0f0; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
footer { margin-top: 32px; color: #555555; font-size: 13px; }
";
