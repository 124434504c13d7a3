//! The account's days: its IANA time zone, the local day and month an instant falls in, and the
//! instants where a local day or month starts (a day is 23 or 25 hours across a DST change, and
//! starts at 01:00 where midnight is skipped). Backed by jiff and the IANA database of the OS,
//! else the copy bundled in the binary.

use chrono::{DateTime, Datelike, NaiveDate, Utc};

use super::Timestamp;
use crate::error::{Error, Result};

/// Every offset from UTC of every zone in the IANA database since 2000 is whole quarter hours,
/// and every local day starts on a quarter hour of UTC (the test below checks the database this
/// build reads), so spend kept per quarter hour of UTC adds up exactly into the days of any zone.
pub const QUARTER_SECONDS: i64 = 900;

#[derive(Debug, Clone, PartialEq)]
pub struct Zone {
    tz: jiff::tz::TimeZone,
    /// The IANA name; `None` for a computer's zone known only by its rules (a copied
    /// `/etc/localtime`, a POSIX `TZ` string).
    name: Option<String>,
}

impl Zone {
    pub fn utc() -> Zone {
        Zone { tz: jiff::tz::TimeZone::UTC, name: Some("UTC".into()) }
    }

    /// A zone of the IANA database by name (any case: `pacific/auckland`), kept under its
    /// database spelling. Anything else is `invalid_input` naming `field`.
    pub fn named(name: &str, field: &str) -> Result<Zone> {
        let t = name.trim();
        let unknown = || {
            Error::invalid(
                field,
                format!(
                    "{:?} is not a time zone of the IANA database (e.g. Europe/London, America/New_York, UTC)",
                    crate::text::truncate(t, 80)
                ),
            )
        };
        // Only names: a path or a POSIX rule string is not a zone a ledger can keep.
        if t.is_empty() || t.len() > 64 || t.starts_with('/') || t.contains("..") {
            return Err(unknown());
        }
        let tz = jiff::tz::TimeZone::get(t).map_err(|_| unknown())?;
        if tz.is_unknown() {
            return Err(unknown());
        }
        let name = tz.iana_name().unwrap_or(t).to_string();
        Ok(Zone { tz, name: Some(name) })
    }

    /// The computer's zone: `TZ` if set, else the OS setting; UTC when none can be found.
    pub fn system() -> Zone {
        match jiff::tz::TimeZone::try_system() {
            Ok(tz) if !tz.is_unknown() => {
                let name = tz.iana_name().map(str::to_string);
                Zone { tz, name }
            }
            _ => Zone::utc(),
        }
    }

    /// The IANA name, if the zone has one.
    pub fn name(&self) -> Option<&str> {
        self.name.as_deref()
    }

    fn civil(&self, t: &Timestamp) -> jiff::civil::DateTime {
        let ts = jiff::Timestamp::new(t.timestamp(), t.timestamp_subsec_nanos() as i32)
            .unwrap_or(jiff::Timestamp::UNIX_EPOCH);
        self.tz.to_datetime(ts)
    }

    /// The local calendar day of `t`.
    pub fn day(&self, t: &Timestamp) -> NaiveDate {
        let d = self.civil(t).date();
        NaiveDate::from_ymd_opt(d.year().into(), d.month() as u32, d.day() as u32).unwrap_or_default()
    }

    /// The local month of `t`, `2026-11`: a credit account's monthly card and the repeat
    /// order's cap are counted by it.
    pub fn month_key(&self, t: &Timestamp) -> String {
        let d = self.civil(t);
        format!("{:04}-{:02}", d.year(), d.month())
    }

    /// The first instant of a local day: its midnight, or the first time after a skipped one.
    pub fn start_of_day(&self, day: NaiveDate) -> Timestamp {
        let start = i16::try_from(day.year())
            .ok()
            .and_then(|y| jiff::civil::Date::new(y, day.month() as i8, day.day() as i8).ok())
            .and_then(|d| d.to_zoned_datetime(self.tz.clone()).ok())
            .map(|z| z.timestamp().as_second());
        start.and_then(|s| DateTime::<Utc>::from_timestamp(s, 0)).unwrap_or_default()
    }

    /// The first instant of the local month of `t`.
    pub fn start_of_month(&self, t: &Timestamp) -> Timestamp {
        let d = self.day(t);
        self.start_of_day(d.with_day(1).unwrap_or(d))
    }

    /// The first instant of the local month after the month of `t`.
    pub fn start_of_next_month(&self, t: &Timestamp) -> Timestamp {
        let d = self.day(t);
        let (y, m) = if d.month() == 12 { (d.year() + 1, 1) } else { (d.year(), d.month() + 1) };
        self.start_of_day(NaiveDate::from_ymd_opt(y, m, 1).unwrap_or(d))
    }

    /// The instants that bound a range of local days, both given as `YYYY-MM-DD`: from the
    /// first day's start (inclusive) to the start of the day after the last (exclusive).
    pub fn day_range(&self, from: Option<&str>, to: Option<&str>) -> Result<(Option<Timestamp>, Option<Timestamp>)> {
        let parse = |s: &str, field: &str| {
            NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d")
                .ok()
                .filter(|d| (2000..2200).contains(&d.year()))
                .ok_or_else(|| Error::invalid(field, format!("{s:?} is not a day (expected YYYY-MM-DD)")))
        };
        let from = from.map(|s| parse(s, "from").map(|d| self.start_of_day(d))).transpose()?;
        let to = to.map(|s| parse(s, "to").map(|d| self.start_of_day(d.succ_opt().unwrap_or(d)))).transpose()?;
        Ok((from, to))
    }
}

/// Every zone name of the IANA database this build reads, sorted: what a manager picks from.
pub fn names() -> Vec<String> {
    let mut names: Vec<String> = jiff::tz::db().available().map(|n| n.as_str().to_string()).collect();
    names.sort();
    names.dedup();
    names
}

/// The start of the quarter hour of UTC that `t` falls in: the key of the spend kept by billing.
pub fn quarter_start(t: &Timestamp) -> Timestamp {
    let s = t.timestamp();
    DateTime::<Utc>::from_timestamp(s - s.rem_euclid(QUARTER_SECONDS), 0).unwrap_or(*t)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time::{fmt_ts, parse_ts};

    fn ts(s: &str) -> Timestamp {
        parse_ts(s, "t").unwrap()
    }

    #[test]
    fn a_time_falls_in_the_local_day_of_its_zone() {
        let t = ts("2026-11-24T12:00:00Z");
        assert_eq!(Zone::named("Pacific/Auckland", "z").unwrap().day(&t).to_string(), "2026-11-25");
        assert_eq!(Zone::named("America/Los_Angeles", "z").unwrap().day(&t).to_string(), "2026-11-24");
        let late = ts("2026-11-24T10:59:59Z");
        assert_eq!(Zone::named("Pacific/Auckland", "z").unwrap().day(&late).to_string(), "2026-11-24");
        assert_eq!(Zone::utc().day(&late).to_string(), "2026-11-24");
    }

    #[test]
    fn names_are_found_in_any_case_and_kept_in_the_database_spelling() {
        assert_eq!(Zone::named("pacific/auckland", "z").unwrap().name(), Some("Pacific/Auckland"));
        assert_eq!(Zone::named(" UTC ", "z").unwrap().name(), Some("UTC"));
        for bad in ["", "Mars/Olympus", "/etc/localtime", "../../etc/passwd", "EST5EDT,M3.2.0,M11.1.0", "Etc/Unknown"] {
            let e = Zone::named(bad, "time_zone").unwrap_err();
            assert_eq!(e.code(), "invalid_input", "{bad:?}");
            assert!(e.to_string().contains("time_zone"), "{e}");
        }
    }

    #[test]
    fn a_day_across_a_dst_change_is_23_or_25_hours() {
        let la = Zone::named("America/Los_Angeles", "z").unwrap();
        let d = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
        let spring = la.start_of_day(d("2026-03-09")) - la.start_of_day(d("2026-03-08"));
        let autumn = la.start_of_day(d("2026-11-02")) - la.start_of_day(d("2026-11-01"));
        assert_eq!((spring.num_hours(), autumn.num_hours()), (23, 25));
        let nz = Zone::named("Pacific/Auckland", "z").unwrap();
        assert_eq!(fmt_ts(&nz.start_of_day(d("2026-04-05"))), "2026-04-04T11:00:00Z");
        assert_eq!(fmt_ts(&nz.start_of_day(d("2026-04-06"))), "2026-04-05T12:00:00Z");
        // Where midnight is skipped (Santiago springs forward at 24:00), the day starts at 01:00.
        let santiago = Zone::named("America/Santiago", "z").unwrap();
        assert_eq!(fmt_ts(&santiago.start_of_day(d("2026-09-06"))), "2026-09-06T04:00:00Z");
    }

    #[test]
    fn months_and_day_ranges_follow_the_zone() {
        let nz = Zone::named("Pacific/Auckland", "z").unwrap();
        let t = ts("2026-11-30T11:30:00Z"); // 00:30 on 1 December in Auckland
        assert_eq!(nz.month_key(&t), "2026-12");
        assert_eq!(Zone::utc().month_key(&t), "2026-11");
        assert_eq!(fmt_ts(&nz.start_of_month(&t)), "2026-11-30T11:00:00Z");
        assert_eq!(fmt_ts(&nz.start_of_next_month(&t)), "2026-12-31T11:00:00Z");
        let (from, to) = nz.day_range(Some("2026-11-24"), Some("2026-11-24")).unwrap();
        assert_eq!(fmt_ts(&from.unwrap()), "2026-11-23T11:00:00Z");
        assert_eq!(fmt_ts(&to.unwrap()), "2026-11-24T11:00:00Z");
        assert_eq!(nz.day_range(Some("24/11/2026"), None).unwrap_err().code(), "invalid_input");
    }

    #[test]
    fn quarter_hours_start_on_the_quarter() {
        assert_eq!(fmt_ts(&quarter_start(&ts("2026-11-24T09:44:59Z"))), "2026-11-24T09:30:00Z");
        assert_eq!(fmt_ts(&quarter_start(&ts("2026-11-24T09:45:00Z"))), "2026-11-24T09:45:00Z");
    }

    /// Why spend per quarter hour of UTC is exact in every zone: every offset since 2000 (the
    /// oldest time a ledger takes) is whole quarter hours, and every day starts on a quarter
    /// hour. A few zones changed their clocks at a minute past midnight (America/Goose_Bay
    /// until 2011): the days around those changes still start on a quarter hour.
    #[test]
    fn every_day_of_every_zone_starts_on_a_quarter_hour_since_2000() {
        let start = jiff::Timestamp::from_second(946_684_800).unwrap(); // 2000-01-01
        let end = jiff::Timestamp::from_second(7_258_118_400).unwrap(); // 2200-01-01
        let mut zones = 0;
        for name in names() {
            let zone = Zone::named(&name, "z").unwrap();
            zones += 1;
            let mut offset = i64::from(zone.tz.to_offset(start).seconds());
            assert_eq!(offset % QUARTER_SECONDS, 0, "{name}");
            for t in zone.tz.following(start).take_while(|t| t.timestamp() < end).take(1_000) {
                let (at, off) = (t.timestamp().as_second(), i64::from(t.offset().seconds()));
                if off == offset {
                    continue; // a new abbreviation, or the TZif end of 32-bit time
                }
                assert_eq!(off % QUARTER_SECONDS, 0, "{name}: offset {off} s from {}", t.timestamp());
                offset = off;
                if at % QUARTER_SECONDS != 0 {
                    let instant = DateTime::<Utc>::from_timestamp(at, 0).unwrap();
                    let before = instant - chrono::Duration::seconds(1);
                    for d in [zone.day(&before), zone.day(&instant), zone.day(&instant).succ_opt().unwrap()] {
                        let s = zone.start_of_day(d).timestamp();
                        assert_eq!(s % QUARTER_SECONDS, 0, "{name}: {d} starts off the quarter hour");
                    }
                }
            }
        }
        assert!(zones > 300, "only {zones} zones in the database");
    }
}
