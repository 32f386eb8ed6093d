//! Calendar dates as `i32` days since 1970-01-01 (proleptic Gregorian).
//!
//! A date column stores one `i32` per row, so sorting, comparing, joining and
//! subtracting dates are integer operations. The conversions use Howard
//! Hinnant's `days_from_civil` / `civil_from_days` algorithms, which are exact
//! for every date an `i32` day count can reach.
//!
//! ```
//! use ua_data::date::{format_date, parse_date, weekday};
//! let d = parse_date("1997-01-01").unwrap();
//! assert_eq!(parse_date("19970101"), Some(d));
//! assert_eq!(format_date(d + 31), "1997-02-01");
//! assert_eq!(weekday(d), 2); // a Wednesday (0 = Monday)
//! ```

/// Days since 1970-01-01 of the civil date `y-m-d`, or `None` if the month is
/// not 1..=12 or the day does not exist in that month (e.g. 2023-02-29).
///
/// ```
/// use ua_data::date::from_ymd;
/// assert_eq!(from_ymd(1970, 1, 1), Some(0));
/// assert_eq!(from_ymd(2000, 3, 1), Some(11_017));
/// assert_eq!(from_ymd(2023, 2, 29), None);
/// ```
pub fn from_ymd(y: i32, m: u32, d: u32) -> Option<i32> {
    if !(1..=12).contains(&m) || d == 0 || d > days_in_month(y, m) {
        return None;
    }
    // Range that keeps the arithmetic inside i64 and the result inside i32.
    if !(-5_000_000..=5_000_000).contains(&y) {
        return None;
    }
    let y = i64::from(y) - i64::from(m <= 2);
    let era = y.div_euclid(400);
    let yoe = y - era * 400; // [0, 399]
    let m = i64::from(m);
    let mp = if m > 2 { m - 3 } else { m + 9 }; // March = 0
    let doy = (153 * mp + 2) / 5 + i64::from(d) - 1; // [0, 365]
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy; // [0, 146096]
    i32::try_from(era * 146_097 + doe - 719_468).ok()
}

/// The civil date `(year, month, day)` of a day count.
///
/// ```
/// use ua_data::date::ymd;
/// assert_eq!(ymd(0), (1970, 1, 1));
/// assert_eq!(ymd(-1), (1969, 12, 31));
/// assert_eq!(ymd(11_016), (2000, 2, 29));
/// ```
pub fn ymd(days: i32) -> (i32, u32, u32) {
    let z = i64::from(days) + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097; // [0, 146096]
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365; // [0, 399]
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100); // [0, 365]
    let mp = (5 * doy + 2) / 153; // [0, 11]
    let d = doy - (153 * mp + 2) / 5 + 1; // [1, 31]
    let m = if mp < 10 { mp + 3 } else { mp - 9 }; // [1, 12]
    let y = yoe + era * 400 + i64::from(m <= 2);
    // |days| <= 2^31 keeps y within about ±5.9 million years: fits in i32.
    (y as i32, m as u32, d as u32)
}

/// Whether `y` is a leap year of the proleptic Gregorian calendar.
///
/// ```
/// assert!(ua_data::date::is_leap_year(2000));
/// assert!(!ua_data::date::is_leap_year(1900));
/// ```
pub fn is_leap_year(y: i32) -> bool {
    (y % 4 == 0 && y % 100 != 0) || y % 400 == 0
}

/// Number of days in month `m` (1..=12) of year `y`; 0 for an invalid month.
///
/// ```
/// assert_eq!(ua_data::date::days_in_month(2024, 2), 29);
/// ```
pub fn days_in_month(y: i32, m: u32) -> u32 {
    match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if is_leap_year(y) => 29,
        2 => 28,
        _ => 0,
    }
}

/// Parses `YYYY-MM-DD` or `YYYYMMDD` (exactly four-digit years, no spaces) into
/// days since 1970-01-01; `None` for anything else or an impossible date.
///
/// ```
/// use ua_data::date::parse_date;
/// assert_eq!(parse_date("1970-01-02"), Some(1));
/// assert_eq!(parse_date("19700102"), Some(1));
/// assert_eq!(parse_date("1970-13-01"), None);
/// assert_eq!(parse_date("1970-1-1"), None);
/// ```
pub fn parse_date(s: &str) -> Option<i32> {
    parse_date_bytes(s.as_bytes())
}

/// [`parse_date`] on raw bytes (used by the CSV reader to avoid UTF-8 checks).
///
/// ```
/// assert_eq!(ua_data::date::parse_date_bytes(b"1970-01-01"), Some(0));
/// ```
pub fn parse_date_bytes(b: &[u8]) -> Option<i32> {
    let (y, m, d) = match b.len() {
        10 if b[4] == b'-' && b[7] == b'-' => {
            (digits(&b[0..4])?, digits(&b[5..7])?, digits(&b[8..10])?)
        }
        8 => (digits(&b[0..4])?, digits(&b[4..6])?, digits(&b[6..8])?),
        _ => return None,
    };
    from_ymd(y as i32, m, d)
}

/// Parses `YYYY-MM-DD` only (the form the CSV reader infers as a date).
pub(crate) fn parse_iso_date_bytes(b: &[u8]) -> Option<i32> {
    if b.len() == 10 {
        parse_date_bytes(b)
    } else {
        None
    }
}

fn digits(b: &[u8]) -> Option<u32> {
    let mut v = 0u32;
    for &c in b {
        if !c.is_ascii_digit() {
            return None;
        }
        v = v * 10 + u32::from(c - b'0');
    }
    Some(v)
}

/// Formats a day count as `YYYY-MM-DD` (years outside 0..=9999 are printed
/// with as many digits as they need and a sign if negative).
///
/// ```
/// assert_eq!(ua_data::date::format_date(10_957), "2000-01-01");
/// ```
pub fn format_date(days: i32) -> String {
    let (y, m, d) = ymd(days);
    format!("{y:04}-{m:02}-{d:02}")
}

/// 1900-01-01, the first day of the plausible-date window the CSV reader
/// checks by default (see [`CsvOptions::date_window`](crate::csv_io::CsvOptions::date_window)).
///
/// ```
/// use ua_data::date::{format_date, PLAUSIBLE_MIN};
/// assert_eq!(format_date(PLAUSIBLE_MIN), "1900-01-01");
/// ```
pub const PLAUSIBLE_MIN: i32 = -25_567;

/// 2100-12-31, the last day of the plausible-date window the CSV reader
/// checks by default.
///
/// ```
/// use ua_data::date::{format_date, PLAUSIBLE_MAX};
/// assert_eq!(format_date(PLAUSIBLE_MAX), "2100-12-31");
/// ```
pub const PLAUSIBLE_MAX: i32 = 47_846;

/// Today's date (UTC) from the system clock, as days since 1970-01-01. A
/// clock set before 1970 counts as day 0.
///
/// ```
/// let today = ua_data::date::today();
/// assert!(today > ua_data::date::parse_date("2024-01-01").unwrap());
/// ```
pub fn today() -> i32 {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    i32::try_from(secs / 86_400).unwrap_or(i32::MAX)
}

/// Day of the week, 0 = Monday ... 6 = Sunday.
///
/// ```
/// // 1970-01-01 was a Thursday.
/// assert_eq!(ua_data::date::weekday(0), 3);
/// ```
pub fn weekday(days: i32) -> u32 {
    // 1970-01-01 (day 0) was a Thursday = 3.
    (i64::from(days) + 3).rem_euclid(7) as u32
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_dates() {
        assert_eq!(from_ymd(1970, 1, 1), Some(0));
        assert_eq!(from_ymd(1969, 12, 31), Some(-1));
        assert_eq!(from_ymd(2000, 1, 1), Some(10_957));
        assert_eq!(from_ymd(1997, 1, 1), Some(9_862));
        assert_eq!(from_ymd(1900, 2, 29), None);
        assert_eq!(from_ymd(2000, 2, 29), Some(11_016));
        assert_eq!(from_ymd(2024, 4, 31), None);
        assert_eq!(from_ymd(2024, 0, 1), None);
    }

    #[test]
    fn roundtrip_every_day_over_800_years() {
        let start = from_ymd(1600, 1, 1).unwrap();
        let end = from_ymd(2400, 12, 31).unwrap();
        let mut prev = ymd(start - 1);
        for d in start..=end {
            let (y, m, dd) = ymd(d);
            assert_eq!(from_ymd(y, m, dd), Some(d));
            // Consecutive days: either the next day of the month or the 1st.
            assert!(
                dd == prev.2 + 1 || dd == 1,
                "{d}: {prev:?} -> {:?}",
                (y, m, dd)
            );
            prev = (y, m, dd);
            assert_eq!(parse_date(&format_date(d)), Some(d));
        }
    }

    #[test]
    fn parse_forms() {
        assert_eq!(parse_date("2024-02-29"), from_ymd(2024, 2, 29));
        assert_eq!(parse_date("20240229"), from_ymd(2024, 2, 29));
        assert_eq!(parse_date("2023-02-29"), None);
        assert_eq!(parse_date("2024/02/29"), None);
        assert_eq!(parse_date("2024-02-2x"), None);
        assert_eq!(parse_date(""), None);
        assert_eq!(parse_date("１２３４-01-01"), None);
        assert_eq!(parse_iso_date_bytes(b"20240229"), None);
    }

    #[test]
    fn weekdays() {
        // 2024-01-01 was a Monday, 2023-12-31 a Sunday.
        assert_eq!(weekday(from_ymd(2024, 1, 1).unwrap()), 0);
        assert_eq!(weekday(from_ymd(2023, 12, 31).unwrap()), 6);
        assert_eq!(weekday(-4), 6); // 1969-12-28, a Sunday
    }

    #[test]
    fn extremes_do_not_panic() {
        let _ = ymd(i32::MIN);
        let _ = ymd(i32::MAX);
        let _ = format_date(i32::MIN);
        assert_eq!(from_ymd(i32::MAX, 1, 1), None);
    }
}
