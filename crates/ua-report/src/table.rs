//! Small HTML tables (segment profiles, recommendation examples).

use std::fmt::Write as _;

use crate::error::{Result, check_len, empty};
use crate::format::escape;

/// An HTML `<table>` with a caption, a header row and text cells; every
/// text is escaped, and cells that are numbers (optionally ending in `%`)
/// are right-aligned.
///
/// [`to_html`](HtmlTable::to_html) errors when a row's length differs from
/// the header's (naming the row) or there is no column.
///
/// ```
/// use ua_report::HtmlTable;
/// let html = HtmlTable::new(&["segment", "customers", "share"])
///     .caption("Segment profiles")
///     .row(["loyal", "120", "24.0%"])
///     .row(["at risk", "80", "16.0%"])
///     .to_html()
///     .unwrap();
/// assert_eq!(html.matches("<tr>").count(), 3);
/// assert!(html.contains(r#"<td class="num">120</td>"#));
/// ```
#[derive(Debug, Clone, PartialEq, Default)]
pub struct HtmlTable {
    caption: Option<String>,
    headers: Vec<String>,
    rows: Vec<Vec<String>>,
}

impl HtmlTable {
    /// A table with these column headers and no row.
    ///
    /// ```
    /// let html = ua_report::HtmlTable::new(&["a", "b"]).to_html().unwrap();
    /// assert!(html.contains("<th>a</th><th>b</th>"));
    /// ```
    pub fn new(headers: &[&str]) -> Self {
        HtmlTable {
            caption: None,
            headers: headers.iter().map(|h| h.to_string()).collect(),
            rows: Vec::new(),
        }
    }

    /// Sets the caption shown above the table.
    ///
    /// ```
    /// let html = ua_report::HtmlTable::new(&["a"]).caption("Top items").to_html().unwrap();
    /// assert!(html.contains("<caption>Top items</caption>"));
    /// ```
    pub fn caption(mut self, caption: impl Into<String>) -> Self {
        self.caption = Some(caption.into());
        self
    }

    /// Appends a row of cells.
    ///
    /// ```
    /// let t = ua_report::HtmlTable::new(&["user", "recommended"]).row(["u1", "i7, i3"]);
    /// assert_eq!(t.len(), 1);
    /// ```
    pub fn row<I, S>(mut self, cells: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.rows.push(cells.into_iter().map(Into::into).collect());
        self
    }

    /// Number of rows (without the header).
    ///
    /// ```
    /// assert_eq!(ua_report::HtmlTable::new(&["a"]).len(), 0);
    /// ```
    pub fn len(&self) -> usize {
        self.rows.len()
    }

    /// Whether the table has no row.
    ///
    /// ```
    /// assert!(ua_report::HtmlTable::new(&["a"]).is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// The `<table>` element (XHTML-compatible).
    ///
    /// ```
    /// let e = ua_report::HtmlTable::new(&["a", "b"]).row(["only one"]).to_html().unwrap_err();
    /// assert!(e.to_string().contains("row 0") && e.to_string().contains("expected length 2, found 1"));
    /// ```
    pub fn to_html(&self) -> Result<String> {
        if self.headers.is_empty() {
            return Err(empty("table headers (no column)"));
        }
        for (i, r) in self.rows.iter().enumerate() {
            check_len(&format!("table row {i}"), self.headers.len(), r.len())?;
        }
        let mut out = String::from("<table>\n");
        if let Some(c) = &self.caption {
            let _ = writeln!(out, "<caption>{}</caption>", escape(c));
        }
        out.push_str("<thead><tr>");
        for h in &self.headers {
            let _ = write!(out, "<th>{}</th>", escape(h));
        }
        out.push_str("</tr></thead>\n<tbody>\n");
        for r in &self.rows {
            out.push_str("<tr>");
            for c in r {
                if is_number(c) {
                    let _ = write!(out, r#"<td class="num">{}</td>"#, escape(c));
                } else {
                    let _ = write!(out, "<td>{}</td>", escape(c));
                }
            }
            out.push_str("</tr>\n");
        }
        out.push_str("</tbody>\n</table>\n");
        Ok(out)
    }
}

fn is_number(s: &str) -> bool {
    let t = s.trim();
    let t = t.strip_suffix('%').unwrap_or(t);
    !t.is_empty() && t.parse::<f64>().is_ok_and(f64::is_finite)
}
