//! Number formatting and "nice" axis ticks with one fixed rule.
//!
//! Numbers are written without locale (a `.` decimal point, `-` for
//! negatives, no thousands separators) and without float noise: a tick is an
//! integer multiple of a step 1, 2 or 5 × 10^k, and is printed with exactly
//! the decimals that step needs (`0.1 + 0.2` is printed `0.3`). A negative
//! zero is printed `0`.

use crate::error::{Result, check_finite, invalid};

/// Ticks of one axis: the step, the axis range (a whole number of steps) and
/// the tick values.
///
/// ```
/// let t = ua_report::format::nice_ticks(0.03, 0.97, 5).unwrap();
/// assert_eq!(t.step, 0.2);
/// assert_eq!((t.lo, t.hi), (0.0, 1.0));
/// assert_eq!(t.labels(), ["0.0", "0.2", "0.4", "0.6", "0.8", "1.0"]);
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Ticks {
    /// Distance between two ticks: 1, 2 or 5 × 10^k.
    pub step: f64,
    /// Start of the axis (a multiple of `step`, ≤ the data minimum).
    pub lo: f64,
    /// End of the axis (a multiple of `step`, ≥ the data maximum).
    pub hi: f64,
    /// Tick values from `lo` to `hi`.
    pub values: Vec<f64>,
}

impl Ticks {
    /// The tick values formatted with [`format_tick`].
    ///
    /// ```
    /// let t = ua_report::format::nice_ticks(0.0, 1000.0, 4).unwrap();
    /// assert_eq!(t.labels(), ["0", "500", "1000"]);
    /// ```
    pub fn labels(&self) -> Vec<String> {
        self.values
            .iter()
            .map(|&v| format_tick(v, self.step))
            .collect()
    }
}

/// Most tick intervals [`nice_ticks`] is asked for (an axis needs about 5–10).
///
/// ```
/// assert!(ua_report::format::nice_ticks(0.0, 1.0, ua_report::format::MAX_TICKS + 1).is_err());
/// ```
pub const MAX_TICKS: usize = 100;

/// Chooses a step 1, 2 or 5 × 10^k giving about `target` intervals over
/// `[min, max]`, and the ticks covering that range.
///
/// A zero-width range (or one below f64 rounding at its magnitude) is
/// widened by 10% of the value (±1 around 0). Errors when a bound is not
/// finite, `min > max`, or `target` is 0 or above [`MAX_TICKS`].
///
/// ```
/// let t = ua_report::format::nice_ticks(3.0, 47.0, 5).unwrap();
/// assert_eq!(t.step, 10.0);
/// assert_eq!(t.values, [0.0, 10.0, 20.0, 30.0, 40.0, 50.0]);
/// ```
pub fn nice_ticks(min: f64, max: f64, target: usize) -> Result<Ticks> {
    check_finite("axis range", [min, max])?;
    if min > max {
        return Err(invalid("axis range", format!("{min}..{max}"), "min <= max"));
    }
    if target == 0 || target > MAX_TICKS {
        return Err(invalid(
            "target",
            target,
            &format!("1..={MAX_TICKS} tick intervals"),
        ));
    }
    let (mut lo, mut hi) = (min, max);
    if hi - lo <= f64::EPSILON * lo.abs().max(hi.abs()).max(1e-300) {
        let pad = if lo == 0.0 { 1.0 } else { lo.abs() * 0.1 };
        lo -= pad;
        hi += pad;
    }
    let (mantissa, exp) = nice_step((hi - lo) / target as f64);
    let step = decimal(mantissa, exp);
    let first = (lo / step + 1e-9).floor() as i64;
    let last = (hi / step - 1e-9).ceil() as i64;
    let values = (first..=last)
        .map(|i| decimal(i.saturating_mul(mantissa), exp))
        .collect();
    Ok(Ticks {
        step,
        lo: decimal(first.saturating_mul(mantissa), exp),
        hi: decimal(last.saturating_mul(mantissa), exp),
        values,
    })
}

/// The nice step ≥ `raw` as (mantissa 1, 2 or 5; exponent k).
fn nice_step(raw: f64) -> (i64, i32) {
    // A power of ten whose log10 rounds just below the integer gives a norm
    // of ~10, which the last branch turns into 1 × 10^(k+1): no epsilon needed.
    let exp = raw.log10().floor() as i32;
    let norm = raw / 10f64.powi(exp);
    if norm <= 1.0 + 1e-9 {
        (1, exp)
    } else if norm <= 2.0 + 1e-9 {
        (2, exp)
    } else if norm <= 5.0 + 1e-9 {
        (5, exp)
    } else {
        (1, exp + 1)
    }
}

/// `n × 10^exp` as the f64 nearest to that decimal (`3 × 10^-1` is exactly
/// the literal `0.3`, not `0.30000000000000004`), by parsing its decimal text.
fn decimal(n: i64, exp: i32) -> f64 {
    format!("{n}e{exp}").parse().unwrap_or(f64::NAN)
}

/// Formats a tick value with the decimals its step needs (the same for every
/// tick of an axis, so `0.0 0.2 … 1.0` line up): none for steps ≥ 1,
/// `k` for steps of 10^-k. Steps ≥ 10^6 or < 10^-6 use `mek` notation
/// (`3e6`, `2e-7`).
///
/// ```
/// use ua_report::format::format_tick;
/// assert_eq!(format_tick(0.30000000000000004, 0.1), "0.3");
/// assert_eq!(format_tick(2500.0, 500.0), "2500");
/// assert_eq!(format_tick(-0.0, 0.5), "0.0");
/// assert_eq!(format_tick(3_000_000.0, 1_000_000.0), "3e6");
/// ```
pub fn format_tick(value: f64, step: f64) -> String {
    if !value.is_finite() || !step.is_finite() || step <= 0.0 {
        return value.to_string();
    }
    let exp = (step.log10() + 1e-9).floor() as i32;
    if !(-6..6).contains(&exp) {
        let m = value / 10f64.powi(exp);
        let m = format_number(m, 0);
        return if m == "0" { m } else { format!("{m}e{exp}") };
    }
    format_number(value, (-exp).max(0) as usize)
}

/// Formats `value` with exactly `decimals` decimals, no locale and no
/// negative zero; non-finite values are written `NaN`, `inf`, `-inf`.
///
/// ```
/// use ua_report::format::format_number;
/// assert_eq!(format_number(0.87349, 3), "0.873");
/// assert_eq!(format_number(-0.0004, 3), "0.000");
/// assert_eq!(format_number(1234.5, 0), "1234");
/// ```
pub fn format_number(value: f64, decimals: usize) -> String {
    if !value.is_finite() {
        return value.to_string();
    }
    let s = format!("{value:.decimals$}");
    if s.starts_with('-') && s[1..].chars().all(|c| c == '0' || c == '.') {
        s[1..].to_string()
    } else {
        s
    }
}

/// Formats a fraction as a percentage with `decimals` decimals: `0.4567` →
/// `45.7%` for one decimal.
///
/// ```
/// assert_eq!(ua_report::format::format_percent(0.4567, 1), "45.7%");
/// ```
pub fn format_percent(fraction: f64, decimals: usize) -> String {
    format!("{}%", format_number(fraction * 100.0, decimals))
}

/// Escapes text for HTML and XML content and attribute values (`& < > " '`).
///
/// ```
/// assert_eq!(
///     ua_report::format::escape("<script>\"a\" & 'b'"),
///     "&lt;script&gt;&quot;a&quot; &amp; &#39;b&#39;"
/// );
/// ```
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            // Control characters are not allowed in XML 1.0: drop them
            // visibly as U+FFFD rather than produce a document that does not parse.
            c if (c as u32) < 0x20 && c != '\n' && c != '\t' && c != '\r' => out.push('\u{FFFD}'),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn steps_are_one_two_five() {
        assert_eq!(nice_ticks(0.0, 1.0, 5).unwrap().step, 0.2);
        assert_eq!(nice_ticks(0.0, 10.0, 5).unwrap().step, 2.0);
        assert_eq!(nice_ticks(0.0, 23.0, 5).unwrap().step, 5.0);
        assert_eq!(nice_ticks(0.0, 25.0, 5).unwrap().step, 5.0);
        assert_eq!(nice_ticks(0.0, 5.0, 5).unwrap().step, 1.0);
        assert_eq!(nice_ticks(0.0, 500.0, 5).unwrap().step, 100.0);
        assert_eq!(nice_ticks(0.0, 0.5, 5).unwrap().step, 0.1);
        assert_eq!(nice_ticks(0.0, 0.001, 5).unwrap().step, 0.0002);
        assert_eq!(nice_ticks(0.0, 3e7, 3).unwrap().step, 1e7);
        assert_eq!(nice_ticks(0.0, 70.0, 5).unwrap().step, 20.0);
        assert_eq!(nice_ticks(0.0, 0.07, 5).unwrap().step, 0.02);
        assert_eq!(nice_ticks(0.0, 9.0, 1).unwrap().step, 10.0);
    }

    #[test]
    fn ticks_cover_the_data_without_noise() {
        let t = nice_ticks(0.13, 0.71, 6).unwrap();
        assert_eq!(t.step, 0.1);
        assert_eq!(t.values, [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8]);
        assert_eq!(t.labels()[2], "0.3");
        let t = nice_ticks(-3.0, 3.0, 6).unwrap();
        assert_eq!(t.labels(), ["-3", "-2", "-1", "0", "1", "2", "3"]);
    }

    #[test]
    fn flat_range_is_widened() {
        // Widened by 10% of the value: 4.5..5.5, step 0.5.
        let t = nice_ticks(5.0, 5.0, 4).unwrap();
        assert_eq!((t.lo, t.hi, t.step), (4.5, 5.5, 0.5));
        // A range below f64 rounding at its magnitude counts as flat.
        let t = nice_ticks(1000.0, 1000.0 + 1e-13, 4).unwrap();
        assert_eq!((t.lo, t.hi), (900.0, 1100.0));
        let t = nice_ticks(0.0, 0.0, 4).unwrap();
        assert!(t.lo <= -1.0 && t.hi >= 1.0, "{t:?}");
    }

    #[test]
    fn bad_ranges_are_errors() {
        let e = nice_ticks(f64::NAN, 1.0, 5).unwrap_err().to_string();
        assert!(e.contains("axis range") && e.contains("NaN"), "{e}");
        let e = nice_ticks(2.0, 1.0, 5).unwrap_err().to_string();
        assert!(e.contains("min <= max"), "{e}");
        assert!(
            nice_ticks(0.0, 1.0, 0)
                .unwrap_err()
                .to_string()
                .contains("target")
        );
    }

    #[test]
    fn target_is_bounded() {
        let e = nice_ticks(0.0, 1.0, 101).unwrap_err().to_string();
        assert!(
            e.contains("target") && e.contains("101") && e.contains("1..=100"),
            "{e}"
        );
        assert_eq!(nice_ticks(0.0, 100.0, MAX_TICKS).unwrap().values.len(), 101);
        assert_eq!(nice_ticks(0.0, 1.0, 1).unwrap().values, [0.0, 1.0]);
    }

    #[test]
    fn tick_format_follows_the_step() {
        assert_eq!(format_tick(0.25, 0.05), "0.25");
        assert_eq!(format_tick(1.0, 0.5), "1.0");
        assert_eq!(format_tick(40.0, 20.0), "40");
        assert_eq!(format_tick(0.000_002, 0.000_001), "0.000002");
        assert_eq!(format_tick(0.000_000_2, 0.000_000_1), "2e-7");
        assert_eq!(format_tick(0.3, 0.1), "0.3");
        assert_eq!(format_tick(0.003, 0.001), "0.003");
        assert_eq!(format_tick(0.0, 1e7), "0");
        assert_eq!(format_number(-1.25, 1), "-1.2");
        // A step that is not a positive number: the value as Rust writes it.
        assert_eq!(format_tick(1.5, f64::NAN), "1.5");
        assert_eq!(format_tick(1.5, 0.0), "1.5");
        assert_eq!(format_tick(1.5, -1.0), "1.5");
        assert_eq!(format_tick(f64::INFINITY, 1.0), "inf");
        assert_eq!(format_number(f64::NAN, 2), "NaN");
    }

    #[test]
    fn escape_control_characters() {
        assert_eq!(escape("a\u{1}b"), "a\u{FFFD}b");
        assert_eq!(escape("é\n"), "é\n");
    }
}
