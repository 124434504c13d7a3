//! Time enters the core as a parameter: business logic never reads the system clock. Front ends
//! pass [`SystemClock`]; tests pass [`FixedClock`]. Timestamps are stored as RFC 3339 UTC text of
//! one fixed width, to the second (`2026-11-24T09:30:00Z`), so text order is time order.

use chrono::{DateTime, NaiveDate, NaiveDateTime, SecondsFormat, Utc};

use crate::error::{Error, Result};

pub mod zone;
pub use zone::{quarter_start, Zone};

pub type Timestamp = DateTime<Utc>;

pub trait Clock: Send + Sync {
    fn now(&self) -> Timestamp;
}

/// The real clock, for front ends only.
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> Timestamp {
        // Whole seconds: the ledger's times are compared and shown to the second.
        use chrono::SubsecRound;
        Utc::now().trunc_subsecs(0)
    }
}

/// A clock that says what it is told, for tests.
#[derive(Debug)]
pub struct FixedClock(pub std::sync::Mutex<Timestamp>);

impl FixedClock {
    pub fn new(t: Timestamp) -> Self {
        FixedClock(std::sync::Mutex::new(t))
    }
    pub fn set(&self, t: Timestamp) {
        *self.0.lock().unwrap_or_else(|p| p.into_inner()) = t;
    }
}

impl Clock for FixedClock {
    fn now(&self) -> Timestamp {
        *self.0.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// A front end's clock: `FAXCREDIT_NOW` (RFC 3339) pins it, for tests and replays; otherwise the
/// system clock. Built once per process, so every path of a front end (billing, purchases,
/// retries, the outbox) reads the same time.
pub fn clock_from_env() -> Result<Box<dyn Clock>> {
    match std::env::var("FAXCREDIT_NOW") {
        Ok(s) if !s.is_empty() => Ok(Box::new(FixedClock::new(parse_ts(&s, "FAXCREDIT_NOW")?))),
        _ => Ok(Box::new(SystemClock)),
    }
}

/// The one stored form: `2026-11-24T09:30:00Z`, UTC, whole seconds (a fraction is dropped).
/// One width for every time makes SQL's text comparison a time comparison: with fractions kept,
/// `…09:30:00Z` sorted after `…09:30:00.5Z`.
pub fn fmt_ts(t: &Timestamp) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// The first whole second at or after `t`: a bound compared with stored (whole-second) times.
/// A stored time `s` is `>= t` exactly when it is `>= ceil_second(t)`, and `< t` exactly when
/// it is `< ceil_second(t)`.
pub fn ceil_second(t: &Timestamp) -> Timestamp {
    use chrono::{SubsecRound, Timelike};
    let whole = t.trunc_subsecs(0);
    if t.nanosecond() == 0 {
        whole
    } else {
        whole + chrono::Duration::seconds(1)
    }
}

/// Parses RFC 3339 (`2026-11-24T09:30:00Z`, any offset, converted to UTC) or InterFAX's
/// offset-less form (`2026-11-24T09:30:00`, which InterFAX documents as UTC).
pub fn parse_ts(s: &str, field: &str) -> Result<Timestamp> {
    let t = s.trim();
    if t.len() > 40 {
        return Err(Error::invalid(field, "timestamp is too long"));
    }
    if let Ok(dt) = DateTime::parse_from_rfc3339(t) {
        return check_range(dt.with_timezone(&Utc), s, field);
    }
    // ISO 8601's offset without a colon (`+0100`), which RFC 3339 does not allow.
    if let Ok(dt) = DateTime::parse_from_str(t, "%Y-%m-%dT%H:%M:%S%.f%z") {
        return check_range(dt.with_timezone(&Utc), s, field);
    }
    for f in ["%Y-%m-%dT%H:%M:%S%.f", "%Y-%m-%d %H:%M:%S%.f"] {
        if let Ok(n) = NaiveDateTime::parse_from_str(t, f) {
            return check_range(n.and_utc(), s, field);
        }
    }
    Err(Error::invalid(field, format!("{s:?} is not a time (expected RFC 3339, e.g. 2026-11-24T09:30:00Z)")))
}

fn check_range(t: Timestamp, s: &str, field: &str) -> Result<Timestamp> {
    let lo = NaiveDate::from_ymd_opt(2000, 1, 1).map(|d| d.and_hms_opt(0, 0, 0));
    let hi = NaiveDate::from_ymd_opt(2200, 1, 1).map(|d| d.and_hms_opt(0, 0, 0));
    match (lo.flatten(), hi.flatten()) {
        (Some(lo), Some(hi)) if t >= lo.and_utc() && t < hi.and_utc() => Ok(t),
        _ => Err(Error::invalid(field, format!("{s:?} is outside the years 2000 to 2199"))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_rfc3339_and_interfax_offsetless_times_as_utc() {
        let a = parse_ts("2026-11-24T09:30:00Z", "t").unwrap();
        let b = parse_ts("2026-11-24T10:30:00+01:00", "t").unwrap();
        let c = parse_ts("2026-11-24T09:30:00", "t").unwrap();
        assert_eq!(a, b);
        assert_eq!(a, c);
        assert_eq!(fmt_ts(&a), "2026-11-24T09:30:00Z");
    }

    #[test]
    fn converts_any_offset_to_utc() {
        for s in ["2026-11-24T04:30:00-05:00", "2026-11-24T15:00:00+05:30", "2026-11-24T10:30:00+0100"] {
            assert_eq!(fmt_ts(&parse_ts(s, "t").unwrap()), "2026-11-24T09:30:00Z", "{s}");
        }
    }

    #[test]
    fn stores_every_time_in_one_width_so_text_order_is_time_order() {
        let whole = parse_ts("2026-11-24T09:30:00Z", "t").unwrap();
        let half = parse_ts("2026-11-24T09:30:00.5Z", "t").unwrap();
        assert_eq!(fmt_ts(&half), "2026-11-24T09:30:00Z", "a fraction is dropped");
        assert_eq!(fmt_ts(&whole).len(), fmt_ts(&parse_ts("2199-12-31T23:59:59.999Z", "t").unwrap()).len());
        // A bound with a fraction is moved to the next whole second, so comparing stored text
        // with it keeps a fax at 09:30:00 before a bound of 09:30:00.5.
        assert_eq!(fmt_ts(&ceil_second(&half)), "2026-11-24T09:30:01Z");
        assert_eq!(ceil_second(&whole), whole);
        assert!(fmt_ts(&whole) < fmt_ts(&ceil_second(&half)));
    }

    #[test]
    fn refuses_malformed_and_absurd_times() {
        for bad in
            ["", "yesterday", "2026-13-01T00:00:00Z", "1970-01-01T00:00:00Z", "9999-01-01T00:00:00Z", "2026-11-24"]
        {
            assert!(parse_ts(bad, "submitTime").is_err(), "{bad:?} accepted");
        }
    }
}
