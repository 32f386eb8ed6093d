//! Size guards checked before work starts: element counts that overflow and
//! allocations larger than a memory budget are errors with the estimate,
//! never an abort inside the allocator.
//!
//! The budget is 8 GiB unless the environment variable
//! [`BUDGET_ENV`] (`UA_MEMORY_BUDGET`) says otherwise: a number of bytes with
//! an optional `K`, `M`, `G` or `T` suffix (powers of 1024), e.g.
//! `UA_MEMORY_BUDGET=32G`. An unparsable value is reported by
//! [`memory_budget`] rather than silently replaced.
//!
//! ```
//! use ua_tensor::budget::{check_allocation, elements};
//!
//! // 1000 × 20 f32 values fit easily.
//! let n = elements("logistic", &[1000, 20]).unwrap();
//! check_allocation("logistic", "the design matrix", n, 4).unwrap();
//! // 10^12 × 10^4 elements overflow nothing in u128 but exceed any budget.
//! let n = elements("logistic", &[1_000_000_000_000, 10_000]).unwrap_or(u128::MAX);
//! let e = check_allocation("logistic", "the design matrix", n, 4).unwrap_err();
//! assert!(e.to_string().contains("UA_MEMORY_BUDGET"), "{e}");
//! ```

use crate::error::{Error, Result};

/// The environment variable that sets the memory budget.
pub const BUDGET_ENV: &str = "UA_MEMORY_BUDGET";

/// The budget when [`BUDGET_ENV`] is unset: 8 GiB.
pub const DEFAULT_BUDGET_BYTES: u128 = 8 << 30;

/// Parses a byte count with an optional binary suffix (`512`, `64K`, `3G`).
///
/// ```
/// use ua_tensor::budget::parse_bytes;
/// assert_eq!(parse_bytes("2G"), Some(2 << 30));
/// assert_eq!(parse_bytes(" 512 "), Some(512));
/// assert_eq!(parse_bytes("1.5G"), None);
/// ```
pub fn parse_bytes(text: &str) -> Option<u128> {
    let t = text.trim();
    let (digits, shift) = match t.char_indices().last()? {
        (i, 'k' | 'K') => (&t[..i], 10),
        (i, 'm' | 'M') => (&t[..i], 20),
        (i, 'g' | 'G') => (&t[..i], 30),
        (i, 't' | 'T') => (&t[..i], 40),
        _ => (t, 0),
    };
    let n: u128 = digits.trim().parse().ok()?;
    n.checked_mul(1u128 << shift)
}

/// The memory budget in bytes: [`BUDGET_ENV`] if set, else
/// [`DEFAULT_BUDGET_BYTES`]. An unparsable setting is an error that quotes it.
///
/// ```
/// // Unset in doc tests: the default.
/// if std::env::var_os(ua_tensor::budget::BUDGET_ENV).is_none() {
///     assert_eq!(ua_tensor::budget::memory_budget().unwrap(), 8 << 30);
/// }
/// ```
pub fn memory_budget() -> Result<u128> {
    match std::env::var(BUDGET_ENV) {
        Err(_) => Ok(DEFAULT_BUDGET_BYTES),
        Ok(v) => parse_bytes(&v).ok_or_else(|| Error::InvalidArgument {
            op: "memory budget",
            message: format!(
                "{BUDGET_ENV}='{v}' is not a byte count; write e.g. 8G, 512M or 1073741824"
            ),
        }),
    }
}

/// The product of `dims` as a `u128`, or an error naming the operation when
/// even that overflows.
///
/// ```
/// use ua_tensor::budget::elements;
/// assert_eq!(elements("op", &[3, 4, 5]).unwrap(), 60);
/// assert!(elements("op", &[usize::MAX; 3]).is_err());
/// ```
pub fn elements(op: &'static str, dims: &[usize]) -> Result<u128> {
    dims.iter().try_fold(1u128, |acc, &d| {
        acc.checked_mul(d as u128)
            .ok_or_else(|| Error::InvalidArgument {
                op,
                message: format!("the sizes {dims:?} overflow when multiplied"),
            })
    })
}

/// Checks that `count` values of `bytes_per_value` bytes fit in the memory
/// budget (and in this machine's address space) before they are allocated.
/// The error gives the estimate, the budget and how to raise it.
///
/// ```
/// use ua_tensor::budget::check_allocation;
/// assert!(check_allocation("op", "a buffer", 1 << 20, 8).is_ok());
/// let e = check_allocation("k-means", "the distance matrix", 1 << 40, 8).unwrap_err();
/// assert!(e.to_string().contains("the distance matrix needs 8.0 TiB"), "{e}");
/// ```
pub fn check_allocation(
    op: &'static str,
    what: &str,
    count: u128,
    bytes_per_value: usize,
) -> Result<()> {
    let bytes = count.saturating_mul(bytes_per_value as u128);
    let budget = memory_budget()?;
    if bytes > budget || bytes > isize::MAX as u128 {
        return Err(Error::InvalidArgument {
            op,
            message: format!(
                "{what} needs {} ({count} values), over the memory budget of {}; \
                 use less data or fewer features, or raise the budget with {BUDGET_ENV} (e.g. {BUDGET_ENV}=32G)",
                human_bytes(bytes),
                human_bytes(budget)
            ),
        });
    }
    Ok(())
}

/// A byte count in binary units with one decimal (`1.5 GiB`).
///
/// ```
/// assert_eq!(ua_tensor::budget::human_bytes(1536), "1.5 KiB");
/// assert_eq!(ua_tensor::budget::human_bytes(12), "12 B");
/// ```
pub fn human_bytes(bytes: u128) -> String {
    const UNITS: [&str; 6] = ["KiB", "MiB", "GiB", "TiB", "PiB", "EiB"];
    if bytes < 1024 {
        return format!("{bytes} B");
    }
    let mut value = bytes as f64 / 1024.0;
    let mut unit = 0;
    while value >= 1024.0 && unit + 1 < UNITS.len() {
        value /= 1024.0;
        unit += 1;
    }
    format!("{value:.1} {}", UNITS[unit])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suffixes_are_powers_of_1024() {
        assert_eq!(parse_bytes("1k"), Some(1024));
        assert_eq!(parse_bytes("1M"), Some(1 << 20));
        assert_eq!(parse_bytes("3t"), Some(3 << 40));
        assert_eq!(parse_bytes("7"), Some(7));
        assert_eq!(parse_bytes(""), None);
        assert_eq!(parse_bytes("G"), None);
        assert_eq!(parse_bytes("-1G"), None);
    }

    #[test]
    fn the_budget_boundary_is_inclusive() {
        let budget = memory_budget().unwrap();
        assert!(check_allocation("op", "x", budget, 1).is_ok());
        assert!(check_allocation("op", "x", budget + 1, 1).is_err());
        // The byte count, not the value count, is compared.
        assert!(check_allocation("op", "x", budget / 2 + 1, 2).is_err());
    }

    #[test]
    fn units_scale_by_1024() {
        assert_eq!(human_bytes(1023), "1023 B");
        assert_eq!(human_bytes(1024), "1.0 KiB");
        assert_eq!(human_bytes(3 << 30), "3.0 GiB");
        assert_eq!(
            human_bytes(u128::MAX),
            format!("{:.1} EiB", u128::MAX as f64 / 2f64.powi(60))
        );
    }

    #[test]
    fn overflow_names_the_sizes() {
        let e = elements("matrix", &[usize::MAX, usize::MAX, 3]).unwrap_err();
        assert!(e.to_string().contains("overflow"), "{e}");
        assert_eq!(elements("m", &[]).unwrap(), 1);
        assert_eq!(elements("m", &[7, 0]).unwrap(), 0);
    }
}
