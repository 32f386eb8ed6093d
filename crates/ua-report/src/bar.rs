//! Horizontal bar charts with optional error bars (permutation importance).

use std::fmt::Write as _;

use crate::Svg;
use crate::error::{Result, check_finite, empty, invalid};
use crate::format::{escape, format_tick, nice_ticks};
use crate::svg::{self, Scale, Swatch, axis_title, px, text, text_width};

/// Most bars one chart draws.
///
/// ```
/// let bars: Vec<_> = (0..=ua_report::MAX_BARS).map(|i| ua_report::Bar::new(format!("f{i}"), 1.0)).collect();
/// assert!(ua_report::bar_chart("t", ("v", ""), &bars).is_err());
/// assert!(ua_report::bar_chart("t", ("v", ""), &bars[1..]).is_ok());
/// ```
pub const MAX_BARS: usize = 60;

/// One bar: a label, a value and an optional error (drawn as value ± error).
///
/// ```
/// let b = ua_report::Bar::new("days since last order", 0.12).error(0.01);
/// assert_eq!(b.error, Some(0.01));
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Bar {
    /// The bar's label (a feature name).
    pub label: String,
    /// Its length.
    pub value: f64,
    /// Half-width of its error bar (a standard deviation), if any.
    pub error: Option<f64>,
}

impl Bar {
    /// A bar without error bar.
    ///
    /// ```
    /// assert_eq!(ua_report::Bar::new("a", 1.0).error, None);
    /// ```
    pub fn new(label: impl Into<String>, value: f64) -> Self {
        Bar {
            label: label.into(),
            value,
            error: None,
        }
    }

    /// Adds an error bar of half-width `error` (must be finite and ≥ 0).
    ///
    /// ```
    /// assert_eq!(ua_report::Bar::new("a", 1.0).error(0.5).error, Some(0.5));
    /// ```
    pub fn error(mut self, error: f64) -> Self {
        self.error = Some(error);
        self
    }
}

/// Longest bar label shown in full; longer ones are cut with `…` (the full
/// label stays in the bar's tooltip and the description).
const MAX_LABEL_CHARS: usize = 36;

fn shorten(label: &str) -> String {
    if label.chars().count() <= MAX_LABEL_CHARS {
        label.to_string()
    } else {
        let mut s: String = label.chars().take(MAX_LABEL_CHARS - 1).collect();
        s.push('…');
        s
    }
}

/// Horizontal bars in the given order (sort them first, e.g. by
/// importance), each with its value written at its end and an optional
/// error bar; the value axis is named with its unit.
///
/// Errors when there is no bar, more than [`MAX_BARS`] (pass the top ones),
/// a value or error is not finite, or an error is negative.
///
/// ```
/// use ua_report::{Bar, bar_chart};
/// let svg = bar_chart(
///     "Permutation importance",
///     ("drop in ROC-AUC", "mean over 5 shuffles"),
///     &[Bar::new("recency", 0.21).error(0.02), Bar::new("frequency", 0.08).error(0.01)],
/// ).unwrap();
/// assert_eq!(svg.as_str().matches(r#"class="bar""#).count(), 2);
/// assert_eq!(svg.as_str().matches(r#"class="error-bar""#).count(), 2);
/// ```
pub fn bar_chart(title: &str, value_axis: (&str, &str), bars: &[Bar]) -> Result<Svg> {
    if bars.is_empty() {
        return Err(empty("bars"));
    }
    if bars.len() > MAX_BARS {
        return Err(invalid(
            "bars",
            format!("{} bars", bars.len()),
            &format!("at most {MAX_BARS}; pass the top {MAX_BARS}"),
        ));
    }
    check_finite("bars (value)", bars.iter().map(|b| b.value))?;
    check_finite("bars (error)", bars.iter().map(|b| b.error.unwrap_or(0.0)))?;
    if let Some(i) = bars.iter().position(|b| b.error.is_some_and(|e| e < 0.0)) {
        return Err(invalid(
            &format!("error of bar `{}`", bars[i].label),
            bars[i].error.unwrap_or(0.0),
            "a half-width >= 0",
        ));
    }
    let any_error = bars.iter().any(|b| b.error.is_some());
    let label_w = bars
        .iter()
        .map(|b| text_width(&shorten(&b.label)))
        .fold(0.0, f64::max);
    let width = 900.0;
    let (left, right) = (label_w + 24.0, width - 70.0);
    let row = 26.0;
    let top = 48.0;
    let bottom = top + bars.len() as f64 * row;
    let height = bottom + 90.0;
    let lo = bars
        .iter()
        .map(|b| b.value - b.error.unwrap_or(0.0))
        .fold(0.0, f64::min);
    let hi = bars
        .iter()
        .map(|b| b.value + b.error.unwrap_or(0.0))
        .fold(0.0, f64::max);
    let xs = Scale {
        ticks: nice_ticks(lo, hi, 6)?,
        from: left,
        to: right,
    };
    let value_title = axis_title(value_axis.0, value_axis.1);
    let decimals = |v: f64| format_tick(v, xs.ticks.step / 10.0);
    let mut desc = format!("Horizontal bars of {value_title}, in the order given.");
    for b in bars {
        let _ = write!(desc, " {}: {}", b.label, decimals(b.value));
        if let Some(e) = b.error {
            let _ = write!(desc, " ± {}", decimals(e));
        }
        desc.push('.');
    }
    let mut out = svg::open(width, height, title, &desc);
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
        text(&mut out, "tick", x, bottom + 16.0, "middle", &label);
    }
    text(
        &mut out,
        "axis-label",
        (left + right) / 2.0,
        bottom + 34.0,
        "middle",
        &value_title,
    );
    out.push_str("</g>\n");
    let x0 = xs.map(0.0);
    for (i, b) in bars.iter().enumerate() {
        let y = top + i as f64 * row;
        let (xa, xb) = (x0.min(xs.map(b.value)), x0.max(xs.map(b.value)));
        text(
            &mut out,
            "bar-label",
            left - 8.0,
            y + row / 2.0 + 4.0,
            "end",
            &shorten(&b.label),
        );
        let _ = writeln!(
            out,
            r##"<rect class="bar" x="{}" y="{}" width="{}" height="{}" fill="#0072B2"><title>{}: {}</title></rect>"##,
            px(xa),
            px(y + 4.0),
            px(xb - xa),
            px(row - 8.0),
            escape(&b.label),
            decimals(b.value)
        );
        let mut end = xs.map(b.value).max(x0);
        if let Some(e) = b.error {
            let (ea, eb) = (xs.map(b.value - e), xs.map(b.value + e));
            let cy = y + row / 2.0;
            let _ = writeln!(
                out,
                r##"<path class="error-bar" d="M{a} {c} L{b} {c} M{a} {t} L{a} {u} M{b} {t} L{b} {u}" stroke="#222222" stroke-width="1.5" fill="none"/>"##,
                a = px(ea),
                b = px(eb),
                c = px(cy),
                t = px(cy - 5.0),
                u = px(cy + 5.0)
            );
            end = end.max(eb);
        }
        text(
            &mut out,
            "bar-value",
            end + 6.0,
            y + row / 2.0 + 4.0,
            "start",
            &decimals(b.value),
        );
    }
    let _ = writeln!(
        out,
        r##"<line class="zero" x1="{0}" y1="{1}" x2="{0}" y2="{2}" stroke="#444444"/>"##,
        px(x0),
        px(top),
        px(bottom)
    );
    let mut entries = vec![(value_axis.0.to_string(), Swatch::Patch("#0072B2"))];
    if any_error {
        entries.push(("± 1 standard deviation".to_string(), Swatch::ErrorBar));
    }
    svg::legend(Some(&mut out), left, bottom + 60.0, right - left, &entries);
    Ok(svg::close(out))
}
