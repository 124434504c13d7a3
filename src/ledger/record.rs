//! An outbound fax record as InterFAX reports it (its REST field names), and its validation.
//! Numbers are read from their JSON text, never through a float, so `0.0725` stays exact.

use rust_decimal::Decimal;

use crate::account::{truncate, validate_user_name};
use crate::error::{Error, Result};
use crate::money;
use crate::rates::normalize_destination;
use crate::time::{fmt_ts, parse_ts, Timestamp};

pub const MAX_PAGES: i64 = 10_000;
pub const MAX_DURATION_S: i64 = 86_400;
pub const MAX_UNITS: i64 = 100_000;
pub const MAX_COST_PER_UNIT: i64 = 1_000;
pub const MAX_SUBJECT_CHARS: usize = 255;
pub const MAX_ATTEMPTS: i64 = 100;
/// How far `completionTime` may precede `submitTime`: InterFAX's servers disagree on the time
/// by a few seconds, so a real record often "completes" before it was submitted.
pub const MAX_CLOCK_SKEW_S: i64 = 600;
/// InterFAX's "no time" (.NET's `DateTime.MinValue`): the `completionTime` of a fax in process.
const INTERFAX_NO_TIME: &str = "0001-01-01T00:00:00";

/// A validated fax record, ready to bill.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fax {
    /// The transaction id: the idempotency key, unique per account.
    pub id: String,
    /// The sender's InterFAX login; registered as a fax sender when the account has not seen it.
    pub user: String,
    /// `+` and digits.
    pub destination: String,
    pub submit_time: Timestamp,
    /// False when the record had no `submitTime` and the front end stamped the time it billed
    /// (`faxcredit bill` without `--at`): a stamp is not compared with a fax billed before, so an
    /// identical retry a second later is `exists`.
    pub submit_time_given: bool,
    pub completion_time: Option<Timestamp>,
    pub pages_submitted: i64,
    pub pages_sent: i64,
    pub duration: i64,
    /// As given; `None` means the rate table decides.
    pub units: Option<Decimal>,
    pub cost_per_unit: Option<Decimal>,
    pub status: i64,
    pub subject: Option<String>,
    pub attempts_made: Option<i64>,
}

/// A record that lacks a field a new fax needs, such as the summary that InterFAX's
/// `completed` endpoint returns (no `submitTime`, `destinationFax`, `pagesSubmitted`,
/// `subject`). It cannot be billed; it can confirm a fax billed before. Every field it carries
/// is validated; `None` is a field it does not carry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PartialFax {
    pub id: String,
    pub user: Option<String>,
    pub destination: Option<String>,
    pub submit_time: Option<Timestamp>,
    pub completion_time: Option<Timestamp>,
    pub pages_submitted: Option<i64>,
    pub pages_sent: Option<i64>,
    pub duration: Option<i64>,
    pub units: Option<Decimal>,
    pub cost_per_unit: Option<Decimal>,
    pub status: Option<i64>,
    pub subject: Option<String>,
    pub attempts_made: Option<i64>,
    /// The first field, in InterFAX's order, that a new fax needs and this record lacks.
    pub missing: &'static str,
}

/// A record once read: what billing can do with it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Record {
    /// A completed fax with every field billing needs.
    Fax(Fax),
    /// A fax still in process (`status` < 0): `pending`, never billed. Only its id and status
    /// are read, so an in-process record's placeholders (`completionTime` in year 1, `units` 0)
    /// are never reported.
    InProcess { id: String, status: i64 },
    /// A record without every field a new fax needs.
    Partial(PartialFax),
}

impl Record {
    pub fn id(&self) -> &str {
        match self {
            Record::Fax(f) => &f.id,
            Record::InProcess { id, .. } => id,
            Record::Partial(p) => &p.id,
        }
    }
}

/// What a record says about a fax, for the idempotency comparison with the fax as billed.
/// `None` is a field the record does not carry, which is not compared; a full record carries
/// every field (its defaults included) except a stamped `submitTime`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Claims<'a> {
    pub user: Option<&'a str>,
    pub destination: Option<&'a str>,
    pub submit_time: Option<Timestamp>,
    pub completion_time: Option<Option<Timestamp>>,
    pub pages_submitted: Option<i64>,
    pub pages_sent: Option<i64>,
    pub duration: Option<i64>,
    pub units: Option<Option<Decimal>>,
    pub cost_per_unit: Option<Option<Decimal>>,
    pub status: Option<i64>,
    pub subject: Option<Option<&'a str>>,
    pub attempts_made: Option<Option<i64>>,
}

impl Fax {
    pub fn claims(&self) -> Claims<'_> {
        Claims {
            user: Some(&self.user),
            destination: Some(&self.destination),
            submit_time: self.submit_time_given.then_some(self.submit_time),
            completion_time: Some(self.completion_time),
            pages_submitted: Some(self.pages_submitted),
            pages_sent: Some(self.pages_sent),
            duration: Some(self.duration),
            units: Some(self.units),
            cost_per_unit: Some(self.cost_per_unit),
            status: Some(self.status),
            subject: Some(self.subject.as_deref()),
            attempts_made: Some(self.attempts_made),
        }
    }
}

impl PartialFax {
    pub fn claims(&self) -> Claims<'_> {
        Claims {
            user: self.user.as_deref(),
            destination: self.destination.as_deref(),
            submit_time: self.submit_time,
            completion_time: self.completion_time.map(Some),
            pages_submitted: self.pages_submitted,
            pages_sent: self.pages_sent,
            duration: self.duration,
            units: self.units.map(Some),
            cost_per_unit: self.cost_per_unit.map(Some),
            status: self.status,
            subject: self.subject.as_deref().map(Some),
            attempts_made: self.attempts_made.map(Some),
        }
    }

    /// Why it cannot be billed as a new fax.
    pub fn missing_error(&self) -> Error {
        missing(self.missing)
    }
}

/// The fields of a record as they arrive, before validation: strings from a CSV cell, a flag,
/// or the raw JSON text of a value.
#[derive(Debug, Default, Clone)]
pub struct RawFax {
    pub id: Option<String>,
    pub user_id: Option<String>,
    pub destination_fax: Option<String>,
    pub submit_time: Option<String>,
    pub completion_time: Option<String>,
    pub pages_submitted: Option<String>,
    pub pages_sent: Option<String>,
    pub duration: Option<String>,
    pub units: Option<String>,
    pub cost_per_unit: Option<String>,
    pub status: Option<String>,
    pub subject: Option<String>,
    pub attempts_made: Option<String>,
}

impl RawFax {
    /// A completed fax, or the error that says why this record cannot be billed as a new one
    /// (still in process, a field missing, a field wrong).
    pub fn validate(&self) -> Result<Fax> {
        match self.read()? {
            Record::Fax(f) => Ok(f),
            Record::InProcess { id, status } => Err(in_process(&id, status)),
            Record::Partial(p) => Err(p.missing_error()),
        }
    }

    /// Reads the record as it is: a fax, a fax in process, or a partial record. The first
    /// problem with a field it carries is the error.
    pub fn read(&self) -> Result<Record> {
        self.read_inner(None)
    }

    /// As [`RawFax::read`], with `now` as the `submitTime` of a record that has none: the CLI's
    /// `bill` without `--at`. The stamp is not compared with a fax billed before.
    pub fn read_stamped(&self, now: Timestamp) -> Result<Record> {
        self.read_inner(Some(now))
    }

    /// One field after another in the record's order, so the first bad field is the error; long
    /// because each of InterFAX's thirteen fields has its own bounds.
    fn read_inner(&self, stamp: Option<Timestamp>) -> Result<Record> {
        let id = validate_fax_id(self.id.as_deref().ok_or_else(|| missing("id"))?)?;
        // In process first: its other fields are InterFAX's placeholders, not the fax.
        let status =
            opt(&self.status).map(|s| int("status", s, i64::from(i32::MIN), i64::from(i32::MAX))).transpose()?;
        if let Some(status) = status.filter(|s| *s < 0) {
            return Ok(Record::InProcess { id, status });
        }
        let user = opt(&self.user_id).map(|s| validate_user_name(s).map_err(|e| rename(e, "userId"))).transpose()?;
        let destination = opt(&self.destination_fax).map(normalize_destination).transpose()?;
        let submit_time = opt(&self.submit_time).map(|s| parse_ts(s, "submitTime")).transpose()?;
        let completion_time = opt(&self.completion_time)
            .filter(|s| s.trim().trim_end_matches('Z') != INTERFAX_NO_TIME)
            .map(|s| parse_ts(s, "completionTime"))
            .transpose()?;
        if let (Some(s), Some(c)) = (submit_time, completion_time) {
            if (s - c).num_seconds() > MAX_CLOCK_SKEW_S {
                return Err(Error::invalid(
                    "completionTime",
                    format!(
                        "{} is {} s before submitTime {}: more than the {} minutes of server clock skew accepted",
                        fmt_ts(&c),
                        (s - c).num_seconds(),
                        fmt_ts(&s),
                        MAX_CLOCK_SKEW_S / 60
                    ),
                ));
            }
        }
        let pages_sent = opt(&self.pages_sent).map(|s| int("pagesSent", s, 0, MAX_PAGES)).transpose()?;
        let pages_submitted = opt(&self.pages_submitted).map(|s| int("pagesSubmitted", s, 0, MAX_PAGES)).transpose()?;
        if pages_submitted == Some(0) {
            return Err(Error::invalid("pagesSubmitted", "a fax has at least one page"));
        }
        if let (Some(sub), Some(sent)) = (pages_submitted, pages_sent) {
            if sent > sub {
                return Err(Error::invalid("pagesSent", format!("{sent} pages sent of {sub} submitted")));
            }
        }
        let duration = opt(&self.duration).map(|s| int("duration", s, 0, MAX_DURATION_S)).transpose()?;
        let units = opt(&self.units).map(|s| dec("units", s, MAX_UNITS)).transpose()?;
        let cost_per_unit = opt(&self.cost_per_unit).map(|s| dec("costPerUnit", s, MAX_COST_PER_UNIT)).transpose()?;
        if cost_per_unit.is_some() && units.is_none() {
            return Err(Error::invalid("units", "is required when costPerUnit is given"));
        }
        let subject = match opt(&self.subject) {
            None => None,
            Some(s) => {
                if s.chars().count() > MAX_SUBJECT_CHARS {
                    return Err(Error::invalid("subject", format!("is longer than {MAX_SUBJECT_CHARS} characters")));
                }
                if s.chars().any(|c| c.is_control() && c != '\t') {
                    return Err(Error::invalid("subject", "must not contain control characters"));
                }
                Some(s.to_string())
            }
        };
        let attempts_made = opt(&self.attempts_made).map(|s| int("attemptsMade", s, 0, MAX_ATTEMPTS)).transpose()?;

        match (user, destination, submit_time.or(stamp), pages_sent.or(pages_submitted)) {
            (Some(user), Some(destination), Some(submit), Some(pages)) => {
                let (pages_submitted, pages_sent) = (pages_submitted.unwrap_or(pages), pages_sent.unwrap_or(pages));
                if pages_submitted == 0 {
                    return Err(Error::invalid("pagesSubmitted", "a fax has at least one page"));
                }
                Ok(Record::Fax(Fax {
                    id,
                    user,
                    destination,
                    submit_time: submit,
                    submit_time_given: submit_time.is_some(),
                    completion_time,
                    pages_submitted,
                    pages_sent,
                    duration: duration.unwrap_or(0),
                    units,
                    cost_per_unit,
                    status: status.unwrap_or(0),
                    subject,
                    attempts_made,
                }))
            }
            (user, destination, submit, pages) => {
                let missing = [
                    ("userId", user.is_none()),
                    ("destinationFax", destination.is_none()),
                    ("submitTime", submit.is_none()),
                    ("pagesSent", pages.is_none()),
                ]
                .into_iter()
                .find_map(|(field, absent)| absent.then_some(field))
                .unwrap_or("record");
                Ok(Record::Partial(PartialFax {
                    id,
                    user,
                    destination,
                    submit_time,
                    completion_time,
                    pages_submitted,
                    pages_sent,
                    duration,
                    units,
                    cost_per_unit,
                    status,
                    subject,
                    attempts_made,
                    missing,
                }))
            }
        }
    }
}

fn in_process(id: &str, status: i64) -> Error {
    Error::invalid("status", format!("fax {id} is still in process (status {status}); bill it once it has completed"))
}

fn opt(s: &Option<String>) -> Option<&str> {
    s.as_deref().filter(|s| !s.trim().is_empty())
}

fn missing(field: &str) -> Error {
    Error::invalid(field, "is required")
}

fn rename(e: Error, field: &str) -> Error {
    match e {
        Error::Invalid { message, .. } => Error::invalid(field, message),
        other => other,
    }
}

/// Fax ids: 1 to 64 characters of letters, digits and `- _ . : /`.
pub fn validate_fax_id(s: &str) -> Result<String> {
    let t = s.trim();
    let ok = !t.is_empty()
        && t.len() <= 64
        && t.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b':' | b'/'));
    if !ok {
        return Err(Error::invalid(
            "id",
            format!("{:?} is not a fax id (1-64 letters, digits, - _ . : /)", truncate(t, 70)),
        ));
    }
    Ok(t.to_string())
}

fn int(field: &str, s: &str, lo: i64, hi: i64) -> Result<i64> {
    let t = s.trim();
    let v: i64 =
        t.parse().map_err(|_| Error::invalid(field, format!("{:?} is not a whole number", truncate(t, 40))))?;
    if v < lo || v > hi {
        return Err(Error::invalid(field, format!("{v} is outside {lo}..={hi}")));
    }
    Ok(v)
}

fn dec(field: &str, s: &str, max_whole: i64) -> Result<Decimal> {
    let d = money::parse_amount(s, field)?;
    if d > Decimal::from(max_whole) {
        return Err(Error::invalid(field, format!("{d} is more than {max_whole}")));
    }
    Ok(d)
}

#[cfg(test)]
#[path = "record_tests.rs"]
mod tests;
