//! The SVG value and the drawing primitives every chart shares: the
//! document head (size, `role="img"`, `<title>`, `<desc>`), series styles
//! (colour + dash pattern + marker shape), legends and axes.

use std::fmt;
use std::fmt::Write as _;

use crate::format::{Ticks, escape, format_number};

/// Widest chart this crate draws, in px (fits a 1280-px screen with margins).
///
/// ```
/// let c = ua_report::LineChart::new("t").series_y("a", &[1.0]);
/// assert!(c.clone().size(ua_report::MAX_WIDTH, 400.0).to_svg().is_ok());
/// assert!(c.size(ua_report::MAX_WIDTH + 1.0, 400.0).to_svg().is_err());
/// ```
pub const MAX_WIDTH: f64 = 1200.0;

/// A complete `<svg>` element made by this crate: deterministic text, safe
/// to inline in HTML (every label in it is escaped).
///
/// Only the chart functions make an `Svg`, so a [`Page`](crate::Page) can
/// inline it without escaping while escaping every other string.
///
/// ```
/// use ua_report::LineChart;
/// let svg = LineChart::new("Loss").series_y("training", &[0.9, 0.5, 0.4]).to_svg().unwrap();
/// assert!(svg.as_str().starts_with("<svg "));
/// assert!(svg.to_string().ends_with("</svg>\n"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Svg(pub(crate) String);

impl Svg {
    /// The SVG text.
    ///
    /// ```
    /// let svg = ua_report::LineChart::new("t").series_y("a", &[1.0]).to_svg().unwrap();
    /// assert!(svg.as_str().contains("viewBox"));
    /// ```
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The SVG text, owned (to write to a `.svg` file).
    ///
    /// ```
    /// let svg = ua_report::LineChart::new("t").series_y("a", &[1.0]).to_svg().unwrap();
    /// let text: String = svg.into_string();
    /// assert!(text.contains("<title>t</title>"));
    /// ```
    pub fn into_string(self) -> String {
        self.0
    }
}

impl fmt::Display for Svg {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl AsRef<str> for Svg {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

/// A pixel coordinate with one decimal (deterministic, no `-0.0`).
pub(crate) fn px(v: f64) -> String {
    format_number(v, 1)
}

/// Okabe–Ito colours (distinguishable with the common colour-vision
/// deficiencies), then brown and black.
const COLORS: [&str; 8] = [
    "#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#8C564B", "#000000",
];
/// Dash patterns, so that series differ without colour.
const DASHES: [&str; 8] = [
    "", "8 4", "2 3", "10 3 2 3", "4 2", "12 4 4 4", "1 4", "6 2 1 2",
];

/// Marker shapes, so that points differ without colour.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Marker {
    Circle,
    Square,
    TriangleUp,
    Diamond,
    Cross,
    Plus,
    TriangleDown,
    Asterisk,
}

const MARKERS: [Marker; 8] = [
    Marker::Circle,
    Marker::Square,
    Marker::TriangleUp,
    Marker::Diamond,
    Marker::Cross,
    Marker::Plus,
    Marker::TriangleDown,
    Marker::Asterisk,
];

/// The look of series number `i`: colour, dash pattern and marker all
/// change together, cycling after 8 series.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Style {
    pub color: &'static str,
    pub dash: &'static str,
    pub marker: Marker,
}

pub(crate) fn style(i: usize) -> Style {
    Style {
        color: COLORS[i % 8],
        dash: DASHES[i % 8],
        marker: MARKERS[i % 8],
    }
}

/// Grey dashed style of reference lines (chance, diagonal, random).
pub(crate) const REFERENCE_COLOR: &str = "#666666";
pub(crate) const REFERENCE_DASH: &str = "5 5";

/// Writes a marker of shape `m` centred on (x, y).
pub(crate) fn marker(out: &mut String, m: Marker, x: f64, y: f64, color: &str) {
    let r = 4.0;
    let (a, b) = (px(x), px(y));
    let p = |dx: f64, dy: f64| format!("{} {}", px(x + dx), px(y + dy));
    let _ = match m {
        Marker::Circle => writeln!(
            out,
            r#"<circle class="marker" cx="{a}" cy="{b}" r="{r}" fill="{color}"/>"#
        ),
        Marker::Square => writeln!(
            out,
            r#"<rect class="marker" x="{}" y="{}" width="7" height="7" fill="{color}"/>"#,
            px(x - 3.5),
            px(y - 3.5)
        ),
        Marker::TriangleUp => writeln!(
            out,
            r#"<path class="marker" d="M{} L{} L{} Z" fill="{color}"/>"#,
            p(0.0, -r - 1.0),
            p(r, r),
            p(-r, r)
        ),
        Marker::TriangleDown => writeln!(
            out,
            r#"<path class="marker" d="M{} L{} L{} Z" fill="{color}"/>"#,
            p(0.0, r + 1.0),
            p(r, -r),
            p(-r, -r)
        ),
        Marker::Diamond => writeln!(
            out,
            r#"<path class="marker" d="M{} L{} L{} L{} Z" fill="{color}"/>"#,
            p(0.0, -r - 1.0),
            p(r, 0.0),
            p(0.0, r + 1.0),
            p(-r, 0.0)
        ),
        Marker::Cross => writeln!(
            out,
            r#"<path class="marker" d="M{} L{} M{} L{}" stroke="{color}" stroke-width="2" fill="none"/>"#,
            p(-r, -r),
            p(r, r),
            p(-r, r),
            p(r, -r)
        ),
        Marker::Plus => writeln!(
            out,
            r#"<path class="marker" d="M{} L{} M{} L{}" stroke="{color}" stroke-width="2" fill="none"/>"#,
            p(-r - 1.0, 0.0),
            p(r + 1.0, 0.0),
            p(0.0, -r - 1.0),
            p(0.0, r + 1.0)
        ),
        Marker::Asterisk => writeln!(
            out,
            r#"<path class="marker" d="M{} L{} M{} L{} M{} L{}" stroke="{color}" stroke-width="1.5" fill="none"/>"#,
            p(0.0, -r - 1.0),
            p(0.0, r + 1.0),
            p(-r, -r / 2.0),
            p(r, r / 2.0),
            p(-r, r / 2.0),
            p(r, -r / 2.0)
        ),
    };
}

/// Opens an SVG document: size, accessibility and the chart title.
pub(crate) fn open(width: f64, height: f64, title: &str, desc: &str) -> String {
    let mut out = String::new();
    let (w, h) = (px(width), px(height));
    let _ = writeln!(
        out,
        r#"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {w} {h}" width="{w}" height="{h}" role="img" font-family="sans-serif" font-size="12">"#
    );
    let _ = writeln!(out, "<title>{}</title>", escape(title));
    let _ = writeln!(out, "<desc>{}</desc>", escape(desc));
    let _ = writeln!(
        out,
        r##"<rect class="background" x="0" y="0" width="{w}" height="{h}" fill="#ffffff"/>"##
    );
    let _ = writeln!(
        out,
        r#"<text class="chart-title" x="{}" y="22" text-anchor="middle" font-size="16" font-weight="bold">{}</text>"#,
        px(width / 2.0),
        escape(title)
    );
    out
}

/// Closes an SVG document.
pub(crate) fn close(mut out: String) -> crate::Svg {
    out.push_str("</svg>\n");
    Svg(out)
}

/// A text element.
pub(crate) fn text(out: &mut String, class: &str, x: f64, y: f64, anchor: &str, s: &str) {
    let _ = writeln!(
        out,
        r#"<text class="{class}" x="{}" y="{}" text-anchor="{anchor}">{}</text>"#,
        px(x),
        px(y),
        escape(s)
    );
}

/// What a legend entry shows before its text.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Swatch {
    /// A line sample with the dash pattern, and a marker when given.
    Line(Style, bool),
    /// A marker only.
    Point(Style),
    /// A grey dashed reference line.
    Reference,
    /// A filled box.
    Patch(&'static str),
    /// An error bar sample.
    ErrorBar,
}

/// Approximate text width in px at font-size 12, used only to lay out
/// legends (no font is measured, so the layout is the same everywhere).
pub(crate) fn text_width(s: &str) -> f64 {
    s.chars().count() as f64 * 7.0
}

/// Lays out legend entries left to right from (x, y), wrapping at `width`;
/// returns the number of rows (each 18 px) when `out` is `None` (measuring).
pub(crate) fn legend(
    out: Option<&mut String>,
    x: f64,
    y: f64,
    width: f64,
    entries: &[(String, Swatch)],
) -> usize {
    let mut buf = String::new();
    let (mut cx, mut row) = (x, 0usize);
    for (label, swatch) in entries {
        let w = 36.0 + text_width(label) + 18.0;
        if cx > x && cx + w > x + width {
            cx = x;
            row += 1;
        }
        let cy = y + row as f64 * 18.0;
        let _ = writeln!(buf, r#"<g class="legend-entry">"#);
        match *swatch {
            Swatch::Line(s, with_marker) => {
                let _ = writeln!(
                    buf,
                    r#"<line x1="{}" y1="{}" x2="{}" y2="{}" stroke="{}" stroke-width="2"{}/>"#,
                    px(cx),
                    px(cy),
                    px(cx + 28.0),
                    px(cy),
                    s.color,
                    dash_attr(s.dash)
                );
                if with_marker {
                    marker(&mut buf, s.marker, cx + 14.0, cy, s.color);
                }
            }
            Swatch::Point(s) => marker(&mut buf, s.marker, cx + 14.0, cy, s.color),
            Swatch::Reference => {
                let _ = writeln!(
                    buf,
                    r#"<line x1="{}" y1="{}" x2="{}" y2="{}" stroke="{REFERENCE_COLOR}" stroke-width="1.5"{}/>"#,
                    px(cx),
                    px(cy),
                    px(cx + 28.0),
                    px(cy),
                    dash_attr(REFERENCE_DASH)
                );
            }
            Swatch::Patch(color) => {
                let _ = writeln!(
                    buf,
                    r##"<rect x="{}" y="{}" width="20" height="10" fill="{color}" stroke="#333333"/>"##,
                    px(cx + 4.0),
                    px(cy - 5.0)
                );
            }
            Swatch::ErrorBar => {
                let _ = writeln!(
                    buf,
                    r##"<path d="M{} {} L{} {} M{} {} L{} {} M{} {} L{} {}" stroke="#222222" stroke-width="1.5" fill="none"/>"##,
                    px(cx + 4.0),
                    px(cy),
                    px(cx + 24.0),
                    px(cy),
                    px(cx + 4.0),
                    px(cy - 4.0),
                    px(cx + 4.0),
                    px(cy + 4.0),
                    px(cx + 24.0),
                    px(cy - 4.0),
                    px(cx + 24.0),
                    px(cy + 4.0)
                );
            }
        }
        let _ = writeln!(
            buf,
            r#"<text class="legend" x="{}" y="{}">{}</text>"#,
            px(cx + 36.0),
            px(cy + 4.0),
            escape(label)
        );
        buf.push_str("</g>\n");
        cx += w;
    }
    if let Some(out) = out {
        let _ = writeln!(out, r#"<g class="legend">"#);
        out.push_str(&buf);
        out.push_str("</g>\n");
    }
    if entries.is_empty() { 0 } else { row + 1 }
}

/// ` stroke-dasharray="…"` or nothing for a solid line.
pub(crate) fn dash_attr(dash: &str) -> String {
    if dash.is_empty() {
        String::new()
    } else {
        format!(r#" stroke-dasharray="{dash}""#)
    }
}

/// A linear map from data to pixels on one axis.
#[derive(Debug, Clone)]
pub(crate) struct Scale {
    pub ticks: Ticks,
    pub from: f64,
    pub to: f64,
}

impl Scale {
    pub fn map(&self, v: f64) -> f64 {
        let (lo, hi) = (self.ticks.lo, self.ticks.hi);
        self.from + (v - lo) / (hi - lo) * (self.to - self.from)
    }
}

/// An axis title with its unit: `name (unit)`, or `name` when the unit is empty.
pub(crate) fn axis_title(name: &str, unit: &str) -> String {
    if unit.is_empty() {
        name.to_string()
    } else {
        format!("{name} ({unit})")
    }
}

/// Draws the plot frame, grid lines, tick labels and both axis titles.
pub(crate) fn axes(out: &mut String, xs: &Scale, ys: &Scale, x_title: &str, y_title: &str) {
    let (left, right) = (xs.from, xs.to);
    let (bottom, top) = (ys.from, ys.to);
    let _ = writeln!(out, r#"<g class="axes">"#);
    for (v, label) in xs.ticks.values.iter().zip(xs.ticks.labels()) {
        let x = xs.map(*v);
        let _ = writeln!(
            out,
            r##"<line class="grid" x1="{0}" y1="{1}" x2="{0}" y2="{2}" stroke="#e3e3e3"/>"##,
            px(x),
            px(top),
            px(bottom)
        );
        text(out, "tick", x, bottom + 16.0, "middle", &label);
    }
    for (v, label) in ys.ticks.values.iter().zip(ys.ticks.labels()) {
        let y = ys.map(*v);
        let _ = writeln!(
            out,
            r##"<line class="grid" x1="{1}" y1="{0}" x2="{2}" y2="{0}" stroke="#e3e3e3"/>"##,
            px(y),
            px(left),
            px(right)
        );
        text(out, "tick", left - 6.0, y + 4.0, "end", &label);
    }
    let _ = writeln!(
        out,
        r##"<rect class="frame" x="{}" y="{}" width="{}" height="{}" fill="none" stroke="#888888"/>"##,
        px(left),
        px(top),
        px(right - left),
        px(bottom - top)
    );
    text(
        out,
        "axis-label",
        (left + right) / 2.0,
        bottom + 34.0,
        "middle",
        x_title,
    );
    let (cx, cy) = (left - 48.0, (top + bottom) / 2.0);
    let _ = writeln!(
        out,
        r#"<text class="axis-label" x="{0}" y="{1}" text-anchor="middle" transform="rotate(-90 {0} {1})">{2}</text>"#,
        px(cx),
        px(cy),
        escape(y_title)
    );
    out.push_str("</g>\n");
}
