//! Money: `rust_decimal` in code, INTEGER ten-thousandths in SQLite, and the one rounding rule.
//!
//! Every amount the ledger stores is an exact multiple of 0.0001 of the account currency
//! (InterFAX prints `10.0000`); conversions that would lose a digit are refused, not rounded.

use rust_decimal::{Decimal, RoundingStrategy};

use crate::error::{Error, Result};

/// Decimal places kept in storage and exports.
pub const SCALE: u32 = 4;
/// One currency unit in storage units.
pub const ONE: i64 = 10_000;
/// The largest amount we accept anywhere (a billion currency units): far above any real card,
/// far below i64 overflow even after summing millions of lines.
pub const MAX_AMOUNT_UNITS: i64 = 1_000_000_000 * ONE;

/// THE rounding rule of the ledger: costs are rounded half away from zero to 4 decimal places.
pub fn round_cost(d: Decimal) -> Decimal {
    d.round_dp_with_strategy(SCALE, RoundingStrategy::MidpointAwayFromZero)
}

/// A stored amount back to a decimal, always with 4 places (`52.5000`).
pub fn from_units(v: i64) -> Decimal {
    Decimal::new(v, SCALE)
}

/// A decimal to storage units; refuses anything finer than 0.0001 or out of range.
pub fn to_units(d: Decimal, field: &str) -> Result<i64> {
    if d.normalize().scale() > SCALE {
        return Err(Error::invalid(field, format!("{d} has more than {SCALE} decimal places")));
    }
    let scaled = d * Decimal::from(ONE);
    let v: i64 = scaled.trunc().try_into().map_err(|_| Error::invalid(field, format!("{d} is out of range")))?;
    if v.abs() > MAX_AMOUNT_UNITS {
        return Err(Error::invalid(field, format!("{d} is out of range")));
    }
    Ok(v)
}

/// Parses a non-negative decimal typed by a person or found in a file: digits with an optional
/// point and at most 4 decimals. No exponent, no sign, no thousands separators: a ledger should
/// never guess what `1,000` meant.
pub fn parse_amount(s: &str, field: &str) -> Result<Decimal> {
    let t = s.trim();
    let valid = !t.is_empty()
        && t.bytes().all(|b| b.is_ascii_digit() || b == b'.')
        && t.bytes().filter(|&b| b == b'.').count() <= 1
        && t.bytes().any(|b| b.is_ascii_digit())
        && t.len() <= 24;
    if !valid {
        return Err(Error::invalid(field, format!("{s:?} is not an amount (expected e.g. 50.00)")));
    }
    let d: Decimal =
        t.parse().map_err(|_| Error::invalid(field, format!("{s:?} is not an amount (expected e.g. 50.00)")))?;
    to_units(d, field)?;
    Ok(d)
}

/// Storage units as `12.3400` without allocating a Decimal: the export's hot path.
pub fn write_units(out: &mut Vec<u8>, v: i64) {
    let neg = v < 0;
    let a = v.unsigned_abs();
    if neg {
        out.push(b'-');
    }
    let mut buf = itoa::Buffer::new();
    out.extend_from_slice(buf.format(a / ONE as u64).as_bytes());
    out.push(b'.');
    let frac = a % ONE as u64;
    let f = buf.format(frac);
    for _ in f.len()..SCALE as usize {
        out.push(b'0');
    }
    out.extend_from_slice(f.as_bytes());
}

/// Storage units as a 4-place string.
pub fn fmt_units(v: i64) -> String {
    let mut out = Vec::with_capacity(16);
    write_units(&mut out, v);
    String::from_utf8(out).unwrap_or_default()
}

/// `used` as a percent of `original`, rounded down to 2 places (`94.99` until it is 95%).
pub fn percent(used: i64, original: i64) -> Decimal {
    if original <= 0 {
        return Decimal::ZERO;
    }
    let mut p = (Decimal::from(used) * Decimal::from(100) / Decimal::from(original))
        .round_dp_with_strategy(2, RoundingStrategy::ToZero);
    p.rescale(2);
    p
}

/// An amount for people, with the currency's usual two decimals: `52.50 USD`. Exports keep all
/// four places; this is for messages and the UI only.
pub fn fmt_for_people(v: i64, currency: &str) -> String {
    let d = from_units(v).round_dp_with_strategy(2, rust_decimal::RoundingStrategy::MidpointAwayFromZero);
    format!("{d:.2} {currency}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    fn d(s: &str) -> Decimal {
        Decimal::from_str(s).unwrap()
    }

    #[test]
    fn rounds_half_away_from_zero_to_four_places() {
        assert_eq!(round_cost(d("0.00005")), d("0.0001"));
        assert_eq!(round_cost(d("0.00004999")), d("0.0000"));
        assert_eq!(round_cost(d("1.23455")), d("1.2346"));
        assert_eq!(round_cost(d("1.23445")), d("1.2345"));
        assert_eq!(round_cost(d("2.00015")), d("2.0002"));
    }

    #[test]
    fn converts_exactly_between_decimal_and_storage() {
        assert_eq!(to_units(d("52.5"), "x").unwrap(), 525_000);
        assert_eq!(from_units(525_000).to_string(), "52.5000");
        assert_eq!(to_units(d("0.0001"), "x").unwrap(), 1);
        assert!(to_units(d("0.00001"), "x").is_err());
        assert!(to_units(d("10.00010"), "x").is_ok(), "trailing zeros are not precision");
    }

    #[test]
    fn refuses_amounts_that_are_not_plain_decimals() {
        for bad in ["", "-1", "1e3", "1,000", "abc", "1.2.3", ".", "NaN", "1.23456", "99999999999999999999"] {
            assert!(parse_amount(bad, "value").is_err(), "{bad:?} accepted");
        }
        assert_eq!(parse_amount(" 50.00 ", "value").unwrap(), d("50.00"));
        assert_eq!(parse_amount(".5", "value").unwrap(), d("0.5"));
    }

    #[test]
    fn formats_storage_units_with_four_places() {
        assert_eq!(fmt_units(0), "0.0000");
        assert_eq!(fmt_units(1), "0.0001");
        assert_eq!(fmt_units(525_000), "52.5000");
        assert_eq!(fmt_units(-15), "-0.0015");
        assert_eq!(fmt_units(123_456_789_012), "12345678.9012");
    }
}
