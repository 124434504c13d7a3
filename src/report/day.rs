//! The day a billed fax counts on in the spend report: the ledger's own day rule, the one the
//! spend chart, "this month" and View Activity's day filters use: the day of the fax's submit
//! time in the account's time zone. Every day of the report, its range and its bucketing, goes
//! through [`day_of`].

use chrono::{Duration, NaiveDate};

use crate::time::{Timestamp, Zone};

/// The report day of a fax submitted at `submit_time`, in the account's zone.
pub fn day_of(submit_time: &Timestamp, zone: &Zone) -> NaiveDate {
    zone.day(submit_time)
}

/// Submit times (stored text) that cover every fax whose day is in `from..=to`, and some
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
    fn a_fax_counts_on_its_submit_day_in_the_accounts_zone() {
        let t = |s: &str| crate::time::parse_ts(s, "t").unwrap();
        let d = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
        let utc = Zone::utc();
        assert_eq!(day_of(&t("2026-11-30T23:59:59Z"), &utc), d("2026-11-30"));
        assert_eq!(day_of(&t("2026-12-01T00:00:00Z"), &utc), d("2026-12-01"));
        let auckland = Zone::named("Pacific/Auckland", "t").unwrap();
        let la = Zone::named("America/Los_Angeles", "t").unwrap();
        assert_eq!(day_of(&t("2026-11-30T11:00:00Z"), &auckland), d("2026-12-01"));
        assert_eq!(day_of(&t("2026-12-01T07:59:59Z"), &la), d("2026-11-30"));
        let (lo, hi) = coarse_bounds(d("2026-11-01"), d("2026-11-30"));
        assert!(lo.as_str() <= "2026-11-01T00:00:00Z" && hi.as_str() > "2026-11-30T23:59:59Z");
    }
}
