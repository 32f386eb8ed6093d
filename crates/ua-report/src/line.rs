//! Charts on two numeric axes: the [`LineChart`] builder and the charts
//! built on it (training curves, ROC, precision–recall, gain and lift,
//! calibration, alert budget, k-selection, histograms, scatter).

use std::fmt::Write as _;

use crate::Svg;
use crate::curves::{CalibrationBin, GainPoint, PrPoint, RocPoint, auc, average_precision};
use crate::error::{Result, check_finite, check_len, empty, invalid};
use crate::format::{Ticks, format_number, nice_ticks};
use crate::svg::{
    self, MAX_WIDTH, REFERENCE_COLOR, REFERENCE_DASH, Scale, Swatch, axis_title, dash_attr, px,
    style,
};

/// Longest line drawn point by point; longer series are thinned by a fixed
/// stride (first and last points kept) and the description says so.
///
/// ```
/// let ys: Vec<f64> = (0..3 * ua_report::MAX_LINE_POINTS).map(|i| i as f64).collect();
/// let svg = ua_report::LineChart::new("t").series_y("a", &ys).to_svg().unwrap();
/// assert!(svg.as_str().contains("Drawn with one point in 3"));
/// ```
pub const MAX_LINE_POINTS: usize = 5000;
/// Most points a scatter chart draws; more are thinned by a fixed stride.
///
/// ```
/// let n = ua_report::MAX_SCATTER_POINTS + 1;
/// let pts: Vec<(f64, f64)> = (0..n).map(|i| (i as f64, 0.0)).collect();
/// let svg = ua_report::scatter_chart("t", ("x", ""), ("y", ""), &pts, &vec![0; n], &["all"]).unwrap();
/// assert!(svg.as_str().contains(&format!("Showing 2501 of {n} points (one row in 2)")));
/// ```
pub const MAX_SCATTER_POINTS: usize = 5000;

#[derive(Debug, Clone, Copy, PartialEq)]
enum Kind {
    /// Line with markers (all points up to 40, else about 20 evenly spaced).
    Line,
    /// Line without markers (step histograms).
    Plain,
    /// Markers only (scatter).
    Points,
}

#[derive(Debug, Clone)]
struct Series {
    label: String,
    points: Vec<(f64, f64)>,
    kind: Kind,
    /// Index of the colour/dash/marker set.
    style: usize,
}

/// A chart of one or more series on numeric x and y axes, with optional
/// grey reference lines, vertical marks and point annotations.
///
/// Every series gets its own colour, dash pattern *and* marker shape, and a
/// legend entry with its label, so the chart reads without colour. Axis
/// ranges cover the data (and any range asked for) and end on "nice" ticks.
/// [`to_svg`](LineChart::to_svg) errors when there is no series, a series
/// is empty, or a value is NaN/infinite (naming the series and index).
///
/// ```
/// use ua_report::LineChart;
/// let svg = LineChart::new("Training loss")
///     .x_axis("epoch", "")
///     .y_axis("loss", "binary cross-entropy")
///     .series_y("training", &[0.69, 0.52, 0.44, 0.41])
///     .series_y("validation", &[0.70, 0.55, 0.49, 0.48])
///     .to_svg()
///     .unwrap();
/// assert_eq!(svg.as_str().matches(r#"class="series""#).count(), 2);
/// assert!(svg.as_str().contains("loss (binary cross-entropy)"));
/// ```
#[derive(Debug, Clone)]
pub struct LineChart {
    title: String,
    desc: Option<String>,
    x_title: String,
    y_title: String,
    series: Vec<Series>,
    references: Vec<Series>,
    x_range: Option<(f64, f64)>,
    y_range: Option<(f64, f64)>,
    marks: Vec<(f64, String)>,
    annotations: Vec<(f64, f64, String)>,
    notes: Vec<String>,
    integer_x: bool,
    end_labels: bool,
    width: f64,
    height: f64,
}

impl LineChart {
    /// A chart titled `title`, 800 × 480 px, with axes named "x" and "y".
    ///
    /// ```
    /// let c = ua_report::LineChart::new("Accuracy");
    /// assert!(c.to_svg().is_err()); // no series yet
    /// ```
    pub fn new(title: impl Into<String>) -> Self {
        LineChart {
            title: title.into(),
            desc: None,
            x_title: "x".into(),
            y_title: "y".into(),
            series: Vec::new(),
            references: Vec::new(),
            x_range: None,
            y_range: None,
            marks: Vec::new(),
            annotations: Vec::new(),
            notes: Vec::new(),
            integer_x: false,
            end_labels: false,
            width: 800.0,
            height: 480.0,
        }
    }

    /// Names the x axis and its unit (shown as `name (unit)`; an empty
    /// unit shows the name alone, for counts such as epochs).
    ///
    /// ```
    /// let svg = ua_report::LineChart::new("t").x_axis("days since signup", "days")
    ///     .series_y("a", &[1.0, 2.0]).to_svg().unwrap();
    /// assert!(svg.as_str().contains("days since signup (days)"));
    /// ```
    pub fn x_axis(mut self, name: &str, unit: &str) -> Self {
        self.x_title = axis_title(name, unit);
        self
    }

    /// Names the y axis and its unit.
    ///
    /// ```
    /// let svg = ua_report::LineChart::new("t").y_axis("revenue", "EUR")
    ///     .series_y("a", &[1.0, 2.0]).to_svg().unwrap();
    /// assert!(svg.as_str().contains("revenue (EUR)"));
    /// ```
    pub fn y_axis(mut self, name: &str, unit: &str) -> Self {
        self.y_title = axis_title(name, unit);
        self
    }

    /// Adds a series of (x, y) points, drawn in the given order.
    ///
    /// ```
    /// let svg = ua_report::LineChart::new("t")
    ///     .series("model", &[(0.0, 0.0), (0.5, 0.8), (1.0, 1.0)]).to_svg().unwrap();
    /// assert!(svg.as_str().contains("<title>model</title>"));
    /// ```
    pub fn series(mut self, label: impl Into<String>, points: &[(f64, f64)]) -> Self {
        let style = self.series.len();
        self.series.push(Series {
            label: label.into(),
            points: points.to_vec(),
            kind: Kind::Line,
            style,
        });
        self
    }

    /// Adds a series of y values at x = 1, 2, 3, … (one per epoch).
    ///
    /// ```
    /// let svg = ua_report::LineChart::new("t").series_y("loss", &[0.7, 0.5]).to_svg().unwrap();
    /// assert!(svg.as_str().contains("loss"));
    /// ```
    pub fn series_y(self, label: impl Into<String>, ys: &[f64]) -> Self {
        let points: Vec<(f64, f64)> = ys
            .iter()
            .enumerate()
            .map(|(i, &y)| ((i + 1) as f64, y))
            .collect();
        self.series(label, &points)
    }

    /// Adds a grey dashed reference line (chance, diagonal, random
    /// targeting) with its legend label.
    ///
    /// ```
    /// let svg = ua_report::LineChart::new("t").series_y("a", &[0.2, 0.4])
    ///     .reference("chance", &[(1.0, 0.5), (2.0, 0.5)]).to_svg().unwrap();
    /// assert_eq!(svg.as_str().matches(r#"class="reference""#).count(), 1);
    /// ```
    pub fn reference(mut self, label: impl Into<String>, points: &[(f64, f64)]) -> Self {
        self.references.push(Series {
            label: label.into(),
            points: points.to_vec(),
            kind: Kind::Plain,
            style: 0,
        });
        self
    }

    /// Makes the x axis cover at least `lo..=hi` (it also covers the data).
    ///
    /// ```
    /// let svg = ua_report::LineChart::new("t").x_range(0.0, 10.0)
    ///     .series("a", &[(2.0, 1.0), (3.0, 2.0)]).to_svg().unwrap();
    /// assert!(svg.as_str().contains(">10</text>"));
    /// ```
    pub fn x_range(mut self, lo: f64, hi: f64) -> Self {
        self.x_range = Some((lo, hi));
        self
    }

    /// Makes the y axis cover at least `lo..=hi` (it also covers the data).
    ///
    /// ```
    /// let svg = ua_report::LineChart::new("t").y_range(0.0, 1.0)
    ///     .series_y("a", &[0.4, 0.6]).to_svg().unwrap();
    /// assert!(svg.as_str().contains(">1.0</text>"));
    /// ```
    pub fn y_range(mut self, lo: f64, hi: f64) -> Self {
        self.y_range = Some((lo, hi));
        self
    }

    /// Marks x with a vertical line and a label (the chosen k, the
    /// threshold in use).
    ///
    /// ```
    /// let svg = ua_report::LineChart::new("t").series_y("a", &[3.0, 2.0, 1.5])
    ///     .mark_x(2.0, "chosen").to_svg().unwrap();
    /// assert!(svg.as_str().contains(r#"class="mark-label""#));
    /// ```
    pub fn mark_x(mut self, x: f64, label: impl Into<String>) -> Self {
        self.marks.push((x, label.into()));
        self
    }

    /// Writes `text` just above the point (x, y).
    ///
    /// ```
    /// let svg = ua_report::LineChart::new("t").series_y("a", &[3.0, 2.0])
    ///     .annotate(1.0, 3.0, "n=12").to_svg().unwrap();
    /// assert!(svg.as_str().contains(">n=12</text>"));
    /// ```
    pub fn annotate(mut self, x: f64, y: f64, text: impl Into<String>) -> Self {
        self.annotations.push((x, y, text.into()));
        self
    }

    /// A sentence put first in the `<desc>` (what the chart shows and how to
    /// read it); the series, their ranges and any thinning follow it.
    ///
    /// ```
    /// let svg = ua_report::LineChart::new("t").desc("Lower is better.")
    ///     .series_y("a", &[1.0]).to_svg().unwrap();
    /// assert!(svg.as_str().contains("<desc>Lower is better. "));
    /// ```
    pub fn desc(mut self, text: impl Into<String>) -> Self {
        self.desc = Some(text.into());
        self
    }

    /// The x values are counts (epochs, k): ticks at whole numbers only,
    /// never `2.5` epochs.
    ///
    /// ```
    /// let svg = ua_report::LineChart::new("t").integer_x()
    ///     .series("a", &[(2.0, 1.0), (3.0, 0.5), (4.0, 0.4)]).to_svg().unwrap();
    /// assert!(svg.as_str().contains(">3</text>") && !svg.as_str().contains(">2.5</text>"));
    /// ```
    pub fn integer_x(mut self) -> Self {
        self.integer_x = true;
        self
    }

    /// Writes each line's label at its last point as well as in the legend
    /// (labels are pushed apart vertically so they do not overlap). For
    /// curves that end at different heights, such as training curves; not
    /// for ROC curves, which all end at (1, 1).
    ///
    /// ```
    /// let svg = ua_report::LineChart::new("t").end_labels()
    ///     .series_y("training", &[0.7, 0.4]).series_y("validation", &[0.7, 0.5])
    ///     .to_svg().unwrap();
    /// assert_eq!(svg.as_str().matches(r#"class="series-label""#).count(), 2);
    /// ```
    pub fn end_labels(mut self) -> Self {
        self.end_labels = true;
        self
    }

    /// Sets the size in px (width 200..=1200, height 150..=1200).
    ///
    /// ```
    /// let c = ua_report::LineChart::new("t").series_y("a", &[1.0]);
    /// assert!(c.clone().size(1000.0, 400.0).to_svg().unwrap().as_str().contains("viewBox=\"0 0 1000.0 400.0\""));
    /// assert!(c.size(1600.0, 400.0).to_svg().unwrap_err().to_string().contains("width"));
    /// ```
    pub fn size(mut self, width: f64, height: f64) -> Self {
        self.width = width;
        self.height = height;
        self
    }

    /// Draws the chart.
    ///
    /// ```
    /// let e = ua_report::LineChart::new("t").series_y("val", &[1.0, f64::NAN]).to_svg().unwrap_err();
    /// assert!(e.to_string().contains("`val (y)`") && e.to_string().contains("index 1"));
    /// ```
    pub fn to_svg(&self) -> Result<Svg> {
        check_size(self.width, self.height)?;
        self.validate()?;
        let desc = self.describe();
        let mut out = svg::open(self.width, self.height, &self.title, &desc);
        self.draw(&mut out, 0.0, 36.0, self.width, self.height - 36.0, None)?;
        Ok(svg::close(out))
    }

    fn validate(&self) -> Result<()> {
        if self.series.is_empty() {
            return Err(empty(format!("chart `{}` (no series)", self.title)));
        }
        for s in self.series.iter().chain(&self.references) {
            if s.points.is_empty() {
                return Err(empty(format!("series `{}`", s.label)));
            }
            check_finite(&format!("{} (x)", s.label), s.points.iter().map(|p| p.0))?;
            check_finite(&format!("{} (y)", s.label), s.points.iter().map(|p| p.1))?;
        }
        for (name, r) in [("x_range", self.x_range), ("y_range", self.y_range)] {
            if let Some((lo, hi)) = r {
                check_finite(name, [lo, hi])?;
                if lo > hi {
                    return Err(invalid(name, format!("{lo}..{hi}"), "lo <= hi"));
                }
            }
        }
        for (x, label) in &self.marks {
            check_finite(&format!("mark `{label}`"), [*x])?;
        }
        for (x, y, label) in &self.annotations {
            check_finite(&format!("annotation `{label}`"), [*x, *y])?;
        }
        Ok(())
    }

    fn describe(&self) -> String {
        let mut d = String::new();
        if let Some(user) = &self.desc {
            d.push_str(user);
            d.push(' ');
        }
        let _ = write!(d, "x axis: {}; y axis: {}.", self.x_title, self.y_title);
        for s in &self.series {
            let (x0, x1) = extent(s.points.iter().map(|p| p.0));
            let (y0, y1) = extent(s.points.iter().map(|p| p.1));
            let what = if s.kind == Kind::Points {
                "points"
            } else {
                "points on a line"
            };
            let _ = write!(
                d,
                " Series {}: {} {what}, x from {} to {}, y from {} to {}.",
                s.label,
                s.points.len(),
                short(x0),
                short(x1),
                short(y0),
                short(y1)
            );
            if s.kind != Kind::Points && s.points.len() > MAX_LINE_POINTS {
                let stride = s.points.len().div_ceil(MAX_LINE_POINTS);
                let _ = write!(d, " Drawn with one point in {stride} (and the last).");
            }
        }
        for r in &self.references {
            let _ = write!(d, " Reference line: {}.", r.label);
        }
        for (x, label) in &self.marks {
            let _ = write!(d, " Marked: {label} at x = {}.", short(*x));
        }
        for n in &self.notes {
            let _ = write!(d, " {n}");
        }
        d
    }

    /// Draws the panel into the box (ox, oy, w, h); `subtitle` is written
    /// above the plot when given.
    fn draw(
        &self,
        out: &mut String,
        ox: f64,
        oy: f64,
        w: f64,
        h: f64,
        subtitle: Option<&str>,
    ) -> Result<()> {
        let mut entries: Vec<(String, Swatch)> = self
            .series
            .iter()
            .map(|s| {
                let sw = match s.kind {
                    Kind::Line => Swatch::Line(style(s.style), true),
                    Kind::Plain => Swatch::Line(style(s.style), false),
                    Kind::Points => Swatch::Point(style(s.style)),
                };
                (s.label.clone(), sw)
            })
            .collect();
        entries.extend(
            self.references
                .iter()
                .map(|r| (r.label.clone(), Swatch::Reference)),
        );
        let label_room = if self.end_labels {
            self.series
                .iter()
                .map(|s| svg::text_width(&s.label))
                .fold(0.0, f64::max)
                .min(180.0)
                + 10.0
        } else {
            0.0
        };
        let (left, right) = (ox + 76.0, ox + w - 20.0 - label_room);
        let rows = svg::legend(None, left, 0.0, right - left, &entries);
        let top = oy + if subtitle.is_some() { 30.0 } else { 10.0 };
        let bottom = oy + h - 46.0 - rows as f64 * 18.0;
        if let Some(t) = subtitle {
            let _ = writeln!(
                out,
                r#"<text class="panel-title" x="{}" y="{}" text-anchor="middle" font-size="14" font-weight="bold">{}</text>"#,
                px((left + right) / 2.0),
                px(oy + 16.0),
                crate::format::escape(t)
            );
        }
        let all = || {
            self.series
                .iter()
                .chain(&self.references)
                .flat_map(|s| s.points.iter())
        };
        let (mut x0, mut x1) = extent(
            all()
                .map(|p| p.0)
                .chain(self.marks.iter().map(|m| m.0))
                .chain(self.annotations.iter().map(|a| a.0)),
        );
        let (mut y0, mut y1) = extent(
            all()
                .map(|p| p.1)
                .chain(self.annotations.iter().map(|a| a.1)),
        );
        if let Some((lo, hi)) = self.x_range {
            x0 = x0.min(lo);
            x1 = x1.max(hi);
        }
        if let Some((lo, hi)) = self.y_range {
            y0 = y0.min(lo);
            y1 = y1.max(hi);
        }
        let mut x_ticks = nice_ticks(x0, x1, ((right - left) / 90.0).clamp(2.0, 10.0) as usize)?;
        if self.integer_x && x_ticks.step < 1.0 {
            let (lo, hi) = (x0.floor(), x1.ceil().max(x0.floor() + 1.0));
            x_ticks = Ticks {
                step: 1.0,
                lo,
                hi,
                values: (lo as i64..=hi as i64).map(|v| v as f64).collect(),
            };
        }
        let xs = Scale {
            ticks: x_ticks,
            from: left,
            to: right,
        };
        let ys = Scale {
            ticks: nice_ticks(y0, y1, ((bottom - top) / 60.0).clamp(2.0, 8.0) as usize)?,
            from: bottom,
            to: top,
        };
        svg::axes(out, &xs, &ys, &self.x_title, &self.y_title);
        for r in &self.references {
            let _ = writeln!(
                out,
                r#"<path class="reference" d="{}" stroke="{REFERENCE_COLOR}" stroke-width="1.5" fill="none"{}><title>{}</title></path>"#,
                path_data(&r.points, &xs, &ys),
                dash_attr(REFERENCE_DASH),
                crate::format::escape(&r.label)
            );
        }
        for s in &self.series {
            let st = style(s.style);
            if s.kind != Kind::Points {
                let _ = writeln!(
                    out,
                    r#"<path class="series" d="{}" stroke="{}" stroke-width="2" fill="none"{}><title>{}</title></path>"#,
                    path_data(&s.points, &xs, &ys),
                    st.color,
                    dash_attr(st.dash),
                    crate::format::escape(&s.label)
                );
            }
            let idx: Vec<usize> = match s.kind {
                Kind::Plain => Vec::new(),
                Kind::Points => (0..s.points.len()).collect(),
                Kind::Line if s.points.len() <= 40 => (0..s.points.len()).collect(),
                Kind::Line => {
                    let stride = s.points.len().div_ceil(20);
                    (0..s.points.len())
                        .filter(|i| i % stride == 0 || *i + 1 == s.points.len())
                        .collect()
                }
            };
            if !idx.is_empty() {
                let _ = writeln!(
                    out,
                    r#"<g class="markers"><title>{}</title>"#,
                    crate::format::escape(&s.label)
                );
                for i in idx {
                    let (x, y) = s.points[i];
                    svg::marker(out, st.marker, xs.map(x), ys.map(y), st.color);
                }
                out.push_str("</g>\n");
            }
        }
        if self.end_labels {
            let mut ends: Vec<(f64, f64, &str)> = self
                .series
                .iter()
                .filter(|s| s.kind != Kind::Points)
                .filter_map(|s| {
                    s.points
                        .last()
                        .map(|&(x, y)| (xs.map(x), ys.map(y), s.label.as_str()))
                })
                .collect();
            ends.sort_by(|a, b| a.1.total_cmp(&b.1));
            for i in 1..ends.len() {
                if ends[i].1 < ends[i - 1].1 + 14.0 {
                    ends[i].1 = ends[i - 1].1 + 14.0;
                }
            }
            for (x, y, label) in ends {
                svg::text(out, "series-label", x + 8.0, y + 4.0, "start", label);
            }
        }
        for (x, label) in &self.marks {
            let xp = xs.map(*x);
            let _ = writeln!(
                out,
                r##"<line class="mark" x1="{0}" y1="{1}" x2="{0}" y2="{2}" stroke="#222222" stroke-width="1.5" stroke-dasharray="3 3"/>"##,
                px(xp),
                px(top),
                px(bottom)
            );
            let anchor = if xp > (left + right) / 2.0 {
                "end"
            } else {
                "start"
            };
            let dx = if anchor == "end" { -5.0 } else { 5.0 };
            svg::text(out, "mark-label", xp + dx, top + 16.0, anchor, label);
        }
        for (x, y, label) in &self.annotations {
            let _ = writeln!(
                out,
                r#"<text class="annotation" x="{}" y="{}" text-anchor="middle" font-size="10">{}</text>"#,
                px(xs.map(*x)),
                px(ys.map(*y) - 8.0),
                crate::format::escape(label)
            );
        }
        svg::legend(Some(out), left, bottom + 54.0, right - left, &entries);
        Ok(())
    }
}

fn check_size(width: f64, height: f64) -> Result<()> {
    if !(200.0..=MAX_WIDTH).contains(&width) {
        return Err(invalid("width", width, "200..=1200 px"));
    }
    if !(150.0..=1200.0).contains(&height) {
        return Err(invalid("height", height, "150..=1200 px"));
    }
    Ok(())
}

/// (min, max) of finite values; (0, 1) when there are none.
fn extent(values: impl Iterator<Item = f64>) -> (f64, f64) {
    let (lo, hi) = values.fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| {
        (lo.min(v), hi.max(v))
    });
    if lo > hi { (0.0, 1.0) } else { (lo, hi) }
}

/// A number in a description: 0 decimals from 1000, 2 from 1, else 3.
fn short(v: f64) -> String {
    let a = v.abs();
    let d = if a >= 1000.0 {
        0
    } else if a >= 1.0 {
        2
    } else {
        3
    };
    format_number(v, d)
}

/// `M x y L x y …` with at most [`MAX_LINE_POINTS`] points (fixed stride,
/// last point kept).
fn path_data(points: &[(f64, f64)], xs: &Scale, ys: &Scale) -> String {
    let stride = points.len().div_ceil(MAX_LINE_POINTS).max(1);
    let mut d = String::new();
    let mut first = true;
    for (i, &(x, y)) in points.iter().enumerate() {
        if i % stride != 0 && i + 1 != points.len() {
            continue;
        }
        let _ = write!(
            d,
            "{}{} {}",
            if first { "M" } else { " L" },
            px(xs.map(x)),
            px(ys.map(y))
        );
        first = false;
    }
    d
}

fn named<'a, T>(curves: &'a [(&'a str, &'a [T])], what: &str) -> Result<()> {
    if curves.is_empty() {
        return Err(empty(format!("{what} (no curves)")));
    }
    for (name, pts) in curves {
        if pts.is_empty() {
            return Err(empty(format!("curve `{name}`")));
        }
    }
    Ok(())
}

/// Training curves: one series per name, values per epoch (x = 1, 2, …).
///
/// ```
/// let svg = ua_report::epoch_chart(
///     "Loss per epoch", "loss", "cross-entropy",
///     &[("training", &[0.7, 0.5, 0.4][..]), ("validation", &[0.7, 0.6, 0.55][..])],
/// ).unwrap();
/// assert_eq!(svg.as_str().matches(r#"class="series""#).count(), 2);
/// ```
pub fn epoch_chart(
    title: &str,
    metric: &str,
    unit: &str,
    series: &[(&str, &[f64])],
) -> Result<Svg> {
    named(series, title)?;
    let mut c = LineChart::new(title)
        .integer_x()
        .end_labels()
        .x_axis("epoch", "")
        .y_axis(metric, unit)
        .desc(format!("{metric} after each training epoch."));
    for (name, ys) in series {
        c = c.series_y(*name, ys);
    }
    c.to_svg()
}

/// ROC curves (one per model, AUC in the legend) with the chance diagonal.
///
/// ```
/// use ua_report::curves::roc_points;
/// let roc = roc_points(&[0.9, 0.8, 0.3, 0.1], &[true, false, true, false]).unwrap();
/// let svg = ua_report::roc_chart("ROC, test users", &[("logistic", &roc[..])]).unwrap();
/// assert!(svg.as_str().contains("logistic (AUC 0.750)"));
/// assert!(svg.as_str().contains("chance (AUC 0.500)"));
/// ```
pub fn roc_chart(title: &str, curves: &[(&str, &[RocPoint])]) -> Result<Svg> {
    named(curves, title)?;
    let mut c = LineChart::new(title)
        .x_axis("false-positive rate", "share of negatives flagged")
        .y_axis("true-positive rate", "share of positives found")
        .x_range(0.0, 1.0)
        .y_range(0.0, 1.0)
        .desc("ROC curve: each point is one score threshold; higher and further left is better.");
    for (name, pts) in curves {
        let xy: Vec<(f64, f64)> = pts.iter().map(|p| (p.fpr, p.tpr)).collect();
        c = c.series(format!("{name} (AUC {})", format_number(auc(&xy), 3)), &xy);
    }
    c.reference("chance (AUC 0.500)", &[(0.0, 0.0), (1.0, 1.0)])
        .to_svg()
}

/// Precision–recall curves (average precision in the legend) with the base
/// rate (the precision of random alerts) as the reference line.
///
/// ```
/// use ua_report::curves::pr_points;
/// let pr = pr_points(&[0.9, 0.8, 0.3, 0.1], &[true, false, true, false]).unwrap();
/// let svg = ua_report::pr_chart("Precision-recall", &[("mlp", &pr[..])], 0.5).unwrap();
/// assert!(svg.as_str().contains("mlp (AP 0.833)"));
/// assert!(svg.as_str().contains("base rate 0.500 (random)"));
/// ```
pub fn pr_chart(title: &str, curves: &[(&str, &[PrPoint])], base_rate: f64) -> Result<Svg> {
    named(curves, title)?;
    check_finite("base_rate", [base_rate])?;
    if !(0.0..=1.0).contains(&base_rate) {
        return Err(invalid(
            "base_rate",
            base_rate,
            "a share of positives in [0, 1]",
        ));
    }
    let mut c = LineChart::new(title)
        .x_axis("recall", "share of positives found")
        .y_axis("precision", "share of flagged that are positive")
        .x_range(0.0, 1.0)
        .y_range(0.0, 1.0)
        .desc("Precision-recall curve: each point is one score threshold; higher is better.");
    for (name, pts) in curves {
        let xy: Vec<(f64, f64)> = pts.iter().map(|p| (p.recall, p.precision)).collect();
        c = c.series(
            format!("{name} (AP {})", format_number(average_precision(pts), 3)),
            &xy,
        );
    }
    c.reference(
        format!("base rate {} (random)", format_number(base_rate, 3)),
        &[(0.0, base_rate), (1.0, base_rate)],
    )
    .to_svg()
}

/// Cumulative gain curves in percent, with the random-targeting diagonal.
///
/// ```
/// use ua_report::curves::gain_points;
/// let g = gain_points(&[0.9, 0.8, 0.3, 0.1], &[true, false, true, false]).unwrap();
/// let svg = ua_report::gain_chart("Cumulative gain", &[("logistic", &g[..])]).unwrap();
/// assert!(svg.as_str().contains("random targeting"));
/// ```
pub fn gain_chart(title: &str, curves: &[(&str, &[GainPoint])]) -> Result<Svg> {
    named(curves, title)?;
    let mut c = LineChart::new(title)
        .x_axis("customers targeted, highest scores first", "%")
        .y_axis("positives captured", "% of all positives")
        .x_range(0.0, 100.0)
        .y_range(0.0, 100.0)
        .desc("Cumulative gain: the share of all positives found when targeting the top-scored customers.");
    for (name, pts) in curves {
        let xy: Vec<(f64, f64)> = pts
            .iter()
            .map(|p| (p.fraction_targeted * 100.0, p.fraction_captured * 100.0))
            .collect();
        c = c.series(*name, &xy);
    }
    c.reference("random targeting", &[(0.0, 0.0), (100.0, 100.0)])
        .to_svg()
}

/// Lift curves (captured share ÷ targeted share) with the random line at 1.
///
/// ```
/// use ua_report::curves::gain_points;
/// let g = gain_points(&[0.9, 0.8, 0.3, 0.1], &[true, false, true, false]).unwrap();
/// let svg = ua_report::lift_chart("Lift", &[("logistic", &g[..])]).unwrap();
/// assert!(svg.as_str().contains("random (lift 1)"));
/// ```
pub fn lift_chart(title: &str, curves: &[(&str, &[GainPoint])]) -> Result<Svg> {
    named(curves, title)?;
    let mut c = LineChart::new(title)
        .x_axis("customers targeted, highest scores first", "%")
        .y_axis("lift", "× random")
        .x_range(0.0, 100.0)
        .y_range(0.0, 1.0)
        .desc("Lift: how many times more positives than random targeting finds at each depth.");
    for (name, pts) in curves {
        let xy: Vec<(f64, f64)> = pts
            .iter()
            .filter_map(|p| p.lift.map(|l| (p.fraction_targeted * 100.0, l)))
            .collect();
        if xy.is_empty() {
            return Err(empty(format!(
                "curve `{name}` (no point with customers targeted)"
            )));
        }
        c = c.series(*name, &xy);
    }
    c.reference("random (lift 1)", &[(0.0, 1.0), (100.0, 1.0)])
        .to_svg()
}

/// Calibration (reliability) curves: observed share of positives against
/// mean predicted probability per non-empty bin, each point labelled with
/// its count, and the diagonal of perfect calibration. Empty bins are not
/// drawn; the description says how many there were.
///
/// ```
/// use ua_report::curves::calibration_bins;
/// let b = calibration_bins(&[0.1, 0.15, 0.7, 0.9], &[false, false, true, true], 5).unwrap();
/// let svg = ua_report::calibration_chart("Calibration", &[("logistic", &b[..])]).unwrap();
/// assert!(svg.as_str().contains(">n=2</text>"));
/// assert!(svg.as_str().contains("perfectly calibrated"));
/// ```
pub fn calibration_chart(title: &str, curves: &[(&str, &[CalibrationBin])]) -> Result<Svg> {
    named(curves, title)?;
    let mut c = LineChart::new(title)
        .x_axis("mean predicted probability", "per bin")
        .y_axis("observed share of positives", "per bin")
        .x_range(0.0, 1.0)
        .y_range(0.0, 1.0)
        .desc("Calibration: points on the diagonal mean predicted probabilities match observed rates; n is the number of rows in the bin.");
    for (name, bins) in curves {
        let mut xy = Vec::new();
        let mut empty_bins = 0;
        for b in bins.iter() {
            match (b.mean_predicted, b.fraction_positive) {
                (Some(x), Some(y)) => {
                    xy.push((x, y));
                    c = c.annotate(x, y, format!("n={}", b.count));
                }
                _ => empty_bins += 1,
            }
        }
        if xy.is_empty() {
            return Err(empty(format!("curve `{name}` (every bin is empty)")));
        }
        let total: usize = bins.iter().map(|b| b.count).sum();
        c.notes.push(format!(
            "{name}: {} bins, {empty_bins} empty and not drawn, {total} rows.",
            bins.len()
        ));
        c = c.series(*name, &xy);
    }
    c.reference("perfectly calibrated", &[(0.0, 0.0), (1.0, 1.0)])
        .to_svg()
}

/// Precision and recall against the alert budget (share of rows reviewed,
/// as fractions in [0, 1], drawn in percent).
///
/// ```
/// let svg = ua_report::budget_chart(
///     "Alerts at each review budget",
///     &[0.01, 0.02, 0.05], &[0.9, 0.8, 0.5], &[0.2, 0.35, 0.6],
/// ).unwrap();
/// assert!(svg.as_str().contains(">precision</text>"));
/// assert!(svg.as_str().contains(">recall</text>"));
/// ```
pub fn budget_chart(
    title: &str,
    budgets: &[f64],
    precision: &[f64],
    recall: &[f64],
) -> Result<Svg> {
    if budgets.is_empty() {
        return Err(empty("budgets"));
    }
    check_len("precision (one per budget)", budgets.len(), precision.len())?;
    check_len("recall (one per budget)", budgets.len(), recall.len())?;
    check_finite("budgets", budgets.iter().copied())?;
    let pct = |v: &[f64]| -> Vec<(f64, f64)> {
        budgets
            .iter()
            .zip(v)
            .map(|(&b, &y)| (b * 100.0, y))
            .collect()
    };
    LineChart::new(title)
        .x_axis("alert budget", "% of rows reviewed")
        .y_axis("precision, recall", "share")
        .y_range(0.0, 1.0)
        .x_range(0.0, 0.0)
        .desc("Precision (share of alerts that are true) and recall (share of true cases alerted) at each review budget.")
        .end_labels()
        .series("precision", &pct(precision))
        .series("recall", &pct(recall))
        .to_svg()
}

/// k-selection in two panels: inertia (elbow) and silhouette against k, the
/// chosen k marked and labelled in both. Errors when the lengths differ or
/// `chosen` is not one of `ks`.
///
/// ```
/// let svg = ua_report::k_selection_chart(
///     "Choosing the number of segments", &[2, 3, 4, 5],
///     &[900.0, 500.0, 300.0, 280.0], &[0.41, 0.52, 0.61, 0.55], 4,
/// ).unwrap();
/// assert_eq!(svg.as_str().matches(r#"class="mark-label" "#).count(), 2);
/// assert!(svg.as_str().contains(">chosen k = 4</text>"));
/// ```
pub fn k_selection_chart(
    title: &str,
    ks: &[usize],
    inertia: &[f64],
    silhouette: &[f64],
    chosen: usize,
) -> Result<Svg> {
    if ks.is_empty() {
        return Err(empty("ks"));
    }
    check_len("inertia (one per k)", ks.len(), inertia.len())?;
    check_len("silhouette (one per k)", ks.len(), silhouette.len())?;
    if !ks.contains(&chosen) {
        return Err(invalid("chosen", chosen, "one of the k values tried"));
    }
    let pts =
        |v: &[f64]| -> Vec<(f64, f64)> { ks.iter().zip(v).map(|(&k, &y)| (k as f64, y)).collect() };
    let mark = format!("chosen k = {chosen}");
    let left = LineChart::new("Inertia (elbow)")
        .integer_x()
        .x_axis("k", "segments")
        .y_axis("inertia", "sum of squared distances")
        .series("inertia", &pts(inertia))
        .mark_x(chosen as f64, mark.clone());
    let right = LineChart::new("Silhouette")
        .integer_x()
        .x_axis("k", "segments")
        .y_axis("silhouette", "-1 to 1, higher is better")
        .series("silhouette", &pts(silhouette))
        .mark_x(chosen as f64, mark.clone());
    left.validate()?;
    right.validate()?;
    let desc = format!(
        "Two panels. Left: {} Right: {}",
        left.describe(),
        right.describe()
    );
    let (w, h) = (1100.0, 440.0);
    let mut out = svg::open(w, h, title, &desc);
    left.draw(
        &mut out,
        0.0,
        30.0,
        w / 2.0,
        h - 30.0,
        Some("Inertia (elbow)"),
    )?;
    right.draw(
        &mut out,
        w / 2.0,
        30.0,
        w / 2.0,
        h - 30.0,
        Some("Silhouette"),
    )?;
    Ok(svg::close(out))
}

/// Overlaid step histograms of several classes on shared bins (`n_bins`
/// equal-width bins over the range of all values). With `normalize` the
/// height is the share of the class in percent, so a small class stays
/// visible beside a large one; otherwise it is the row count.
///
/// ```
/// let svg = ua_report::histogram_chart(
///     "Scores by class", "score", "probability",
///     &[("churned", &[0.8, 0.7, 0.9][..]), ("stayed", &[0.1, 0.3, 0.2, 0.75][..])],
///     4, true,
/// ).unwrap();
/// assert_eq!(svg.as_str().matches(r#"class="series""#).count(), 2);
/// assert!(svg.as_str().contains("share of class (%)"));
/// ```
pub fn histogram_chart(
    title: &str,
    value_name: &str,
    unit: &str,
    classes: &[(&str, &[f64])],
    n_bins: usize,
    normalize: bool,
) -> Result<Svg> {
    named(classes, title)?;
    if n_bins == 0 || n_bins > crate::curves::MAX_BINS {
        return Err(invalid("n_bins", n_bins, "1..=1000"));
    }
    for (name, v) in classes {
        check_finite(name, v.iter().copied())?;
    }
    let (lo, hi) = extent(classes.iter().flat_map(|(_, v)| v.iter().copied()));
    let (lo, hi) = if hi > lo {
        (lo, hi)
    } else {
        (lo - 0.5, hi + 0.5)
    };
    let width = (hi - lo) / n_bins as f64;
    let mut c = LineChart::new(title)
        .x_axis(value_name, unit)
        .y_axis(
            if normalize { "share of class" } else { "count" },
            if normalize { "%" } else { "rows" },
        )
        .y_range(0.0, 0.0)
        .desc(format!(
            "Histograms on {n_bins} shared bins of width {} from {} to {}.",
            short(width),
            short(lo),
            short(hi)
        ));
    for (name, v) in classes {
        let mut counts = vec![0usize; n_bins];
        for &x in v.iter() {
            counts[(((x - lo) / width) as usize).min(n_bins - 1)] += 1;
        }
        let scale = if normalize {
            100.0 / v.len() as f64
        } else {
            1.0
        };
        let mut pts = vec![(lo, 0.0)];
        for (b, &n) in counts.iter().enumerate() {
            let y = n as f64 * scale;
            pts.push((lo + b as f64 * width, y));
            pts.push((lo + (b + 1) as f64 * width, y));
        }
        pts.push((hi, 0.0));
        c = c.series(format!("{name} ({} rows)", v.len()), &pts);
        if let Some(s) = c.series.last_mut() {
            s.kind = Kind::Plain;
        }
    }
    c.to_svg()
}

/// A scatter of 2-D points coloured *and* shaped by group, with a legend of
/// group names and counts. `groups[i]` indexes `group_names`. More than
/// [`MAX_SCATTER_POINTS`] points are thinned by a fixed stride (every s-th
/// row in input order) and the description says how many are shown.
///
/// ```
/// let pts = [(0.0, 0.1), (0.2, 0.0), (3.0, 3.1), (3.2, 2.9)];
/// let svg = ua_report::scatter_chart(
///     "Customers, PCA projection", ("PC 1", "standardised units"), ("PC 2", "standardised units"),
///     &pts, &[0, 0, 1, 1], &["loyal", "at risk"],
/// ).unwrap();
/// assert!(svg.as_str().contains("loyal (2)"));
/// assert_eq!(svg.as_str().matches(r#"class="marker""#).count(), 4 + 2); // points + legend
/// ```
pub fn scatter_chart(
    title: &str,
    x_axis: (&str, &str),
    y_axis: (&str, &str),
    points: &[(f64, f64)],
    groups: &[usize],
    group_names: &[&str],
) -> Result<Svg> {
    if points.is_empty() {
        return Err(empty("points"));
    }
    if group_names.is_empty() {
        return Err(empty("group_names"));
    }
    check_len("groups (one per point)", points.len(), groups.len())?;
    check_finite("points (x)", points.iter().map(|p| p.0))?;
    check_finite("points (y)", points.iter().map(|p| p.1))?;
    if let Some(i) = groups.iter().position(|&g| g >= group_names.len()) {
        return Err(invalid(
            &format!("groups[{i}]"),
            groups[i],
            &format!(
                "a group index below {} (the number of group names)",
                group_names.len()
            ),
        ));
    }
    let stride = points.len().div_ceil(MAX_SCATTER_POINTS).max(1);
    let mut by_group: Vec<Vec<(f64, f64)>> = vec![Vec::new(); group_names.len()];
    let mut totals = vec![0usize; group_names.len()];
    for (i, (&p, &g)) in points.iter().zip(groups).enumerate() {
        totals[g] += 1;
        if i % stride == 0 {
            by_group[g].push(p);
        }
    }
    let shown: usize = by_group.iter().map(Vec::len).sum();
    let mut c = LineChart::new(title)
        .x_axis(x_axis.0, x_axis.1)
        .y_axis(y_axis.0, y_axis.1)
        .size(900.0, 600.0)
        .desc(if stride > 1 {
            format!(
                "Showing {shown} of {} points (one row in {stride}); group counts in the legend are of all points.",
                points.len()
            )
        } else {
            format!("Showing all {} points.", points.len())
        });
    // Every group keeps its style (colour + marker) even when another group
    // is empty; empty groups are named in the description, not drawn.
    for (g, pts) in by_group.into_iter().enumerate() {
        if pts.is_empty() {
            c.notes
                .push(format!("Group {} has no point.", group_names[g]));
            continue;
        }
        c.series.push(Series {
            label: format!("{} ({})", group_names[g], totals[g]),
            points: pts,
            kind: Kind::Points,
            style: g,
        });
    }
    c.to_svg()
}
