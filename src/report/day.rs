//! The day a billed fax counts on in the spend report: the ledger's own day rule, the one
//! `daily_spend` (and so the spend chart and "this month") uses: the UTC date of the time the
//! fax was billed. Every day of the report, its range and its bucketing, goes through
//! [`day_of`]; a change of the ledger's rule (an account time zone) is a change here.

use chrono::{Duration, NaiveDate};

use crate::time::Timestamp;

/// The report day of a fax billed at `billed_at`.
pub fn day_of(billed_at: Timestamp) -> NaiveDate {
    billed_at.date_naive()
}

/// Billing times (stored text) that cover every fax whose day is in `from..=to`, and some
/// more: a coarse bound for the query, one day wide on each side so that any day rule of a
/// time zone (at most 14 hours from UTC) falls inside. [`day_of`] decides each fax.
pub(crate) fn coarse_bounds(from: NaiveDate, to: NaiveDate) -> (String, String) {
    let at = |d: NaiveDate| format!("{}T00:00:00Z", d.format("%Y-%m-%d"));
    (at(from - Duration::days(1)), at(to + Duration::days(2)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_fax_counts_on_the_utc_day_it_was_billed() {
        let t = |s: &str| crate::time::parse_ts(s, "t").unwrap();
        let d = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
        assert_eq!(day_of(t("2026-11-30T23:59:59Z")), d("2026-11-30"));
        assert_eq!(day_of(t("2026-12-01T00:00:00Z")), d("2026-12-01"));
        assert_eq!(day_of(t("2026-11-30T20:00:00-05:00")), d("2026-12-01"));
        let (lo, hi) = coarse_bounds(d("2026-11-01"), d("2026-11-30"));
        assert!(lo.as_str() <= "2026-11-01T00:00:00Z" && hi.as_str() > "2026-11-30T23:59:59Z");
    }
}
