//! An outbound fax record as InterFAX reports it (its REST field names), and its validation.
//! Numbers are read from their JSON text, never through a float, so `0.0725` stays exact.

use rust_decimal::Decimal;
use serde::Deserialize;
use serde_json::value::RawValue;

use crate::account::{truncate, validate_user_name};
use crate::error::{Error, Result};
use crate::money;
use crate::rates::normalize_destination;
use crate::time::{parse_ts, Timestamp};

pub const MAX_PAGES: i64 = 10_000;
pub const MAX_DURATION_S: i64 = 86_400;
pub const MAX_UNITS: i64 = 100_000;
pub const MAX_COST_PER_UNIT: i64 = 1_000;
pub const MAX_SUBJECT_CHARS: usize = 255;
pub const MAX_ATTEMPTS: i64 = 100;

/// A validated fax record, ready to bill.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fax {
    /// The transaction id: the idempotency key, unique per account.
    pub id: String,
    pub user: String,
    /// `+` and digits.
    pub destination: String,
    pub submit_time: Timestamp,
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

/// The JSON form, borrowing each value's raw text. Unknown fields (InterFAX sends many more)
/// are ignored.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct JsonFax<'a> {
    #[serde(borrow, default)]
    id: Option<&'a RawValue>,
    #[serde(borrow, default)]
    user_id: Option<&'a RawValue>,
    #[serde(borrow, default)]
    destination_fax: Option<&'a RawValue>,
    #[serde(borrow, default)]
    submit_time: Option<&'a RawValue>,
    #[serde(borrow, default)]
    completion_time: Option<&'a RawValue>,
    #[serde(borrow, default)]
    pages_submitted: Option<&'a RawValue>,
    #[serde(borrow, default)]
    pages_sent: Option<&'a RawValue>,
    #[serde(borrow, default)]
    duration: Option<&'a RawValue>,
    #[serde(borrow, default)]
    units: Option<&'a RawValue>,
    #[serde(borrow, default)]
    cost_per_unit: Option<&'a RawValue>,
    #[serde(borrow, default)]
    status: Option<&'a RawValue>,
    #[serde(borrow, default)]
    subject: Option<&'a RawValue>,
    #[serde(borrow, default)]
    attempts_made: Option<&'a RawValue>,
}

/// A JSON value as text: strings decoded, numbers as written, `null` as absent.
fn raw_text(field: &str, v: Option<&RawValue>) -> Result<Option<String>> {
    let Some(v) = v else { return Ok(None) };
    let s = v.get().trim();
    if s == "null" {
        return Ok(None);
    }
    if s.starts_with('"') {
        // The object was parsed once already, so the text is a valid JSON string: without a
        // backslash it is its own value.
        if s.len() >= 2 && !s.contains('\\') {
            return Ok(Some(s[1..s.len() - 1].to_string()));
        }
        let decoded: String = serde_json::from_str(s).map_err(|e| Error::invalid(field, format!("bad string: {e}")))?;
        return Ok(Some(decoded));
    }
    if s.starts_with('-') || s.bytes().next().is_some_and(|b| b.is_ascii_digit()) {
        return Ok(Some(s.to_string()));
    }
    Err(Error::invalid(field, format!("expected a string or a number, found {}", truncate(s, 40))))
}

impl RawFax {
    /// Parses one JSON object with InterFAX field names.
    pub fn from_json(line: &str) -> Result<RawFax> {
        let j: JsonFax<'_> = serde_json::from_str(line)
            .map_err(|e| Error::invalid("record", format!("not a JSON object with InterFAX fields: {e}")))?;
        Ok(RawFax {
            id: raw_text("id", j.id)?,
            user_id: raw_text("userId", j.user_id)?,
            destination_fax: raw_text("destinationFax", j.destination_fax)?,
            submit_time: raw_text("submitTime", j.submit_time)?,
            completion_time: raw_text("completionTime", j.completion_time)?,
            pages_submitted: raw_text("pagesSubmitted", j.pages_submitted)?,
            pages_sent: raw_text("pagesSent", j.pages_sent)?,
            duration: raw_text("duration", j.duration)?,
            units: raw_text("units", j.units)?,
            cost_per_unit: raw_text("costPerUnit", j.cost_per_unit)?,
            status: raw_text("status", j.status)?,
            subject: raw_text("subject", j.subject)?,
            attempts_made: raw_text("attemptsMade", j.attempts_made)?,
        })
    }

    /// Validates every field; the first problem is the error.
    pub fn validate(&self) -> Result<Fax> {
        let id = validate_fax_id(self.id.as_deref().ok_or_else(|| missing("id"))?)?;
        let user = validate_user_name(self.user_id.as_deref().ok_or_else(|| missing("userId"))?)
            .map_err(|e| rename(e, "userId"))?;
        let destination =
            normalize_destination(self.destination_fax.as_deref().ok_or_else(|| missing("destinationFax"))?)?;
        let submit_time = parse_ts(self.submit_time.as_deref().ok_or_else(|| missing("submitTime"))?, "submitTime")?;
        let completion_time = opt(&self.completion_time).map(|s| parse_ts(s, "completionTime")).transpose()?;
        if let Some(c) = completion_time {
            if c < submit_time {
                return Err(Error::invalid("completionTime", "is before submitTime"));
            }
        }
        let pages_sent = opt(&self.pages_sent).map(|s| int("pagesSent", s, 0, MAX_PAGES)).transpose()?;
        let pages_submitted = opt(&self.pages_submitted).map(|s| int("pagesSubmitted", s, 0, MAX_PAGES)).transpose()?;
        let (pages_submitted, pages_sent) = match (pages_submitted, pages_sent) {
            (Some(a), Some(b)) => (a, b),
            (Some(a), None) => (a, a),
            (None, Some(b)) => (b, b),
            (None, None) => return Err(missing("pagesSent")),
        };
        if pages_submitted == 0 {
            return Err(Error::invalid("pagesSubmitted", "a fax has at least one page"));
        }
        if pages_sent > pages_submitted {
            return Err(Error::invalid("pagesSent", format!("{pages_sent} pages sent of {pages_submitted} submitted")));
        }
        let duration = opt(&self.duration).map(|s| int("duration", s, 0, MAX_DURATION_S)).transpose()?.unwrap_or(0);
        let units = opt(&self.units).map(|s| dec("units", s, MAX_UNITS)).transpose()?;
        let cost_per_unit = opt(&self.cost_per_unit).map(|s| dec("costPerUnit", s, MAX_COST_PER_UNIT)).transpose()?;
        if cost_per_unit.is_some() && units.is_none() {
            return Err(Error::invalid("units", "is required when costPerUnit is given"));
        }
        let status = opt(&self.status)
            .map(|s| int("status", s, i64::from(i32::MIN), i64::from(i32::MAX)))
            .transpose()?
            .unwrap_or(0);
        if status < 0 {
            return Err(Error::invalid(
                "status",
                format!("fax {id} is still in process (status {status}); bill it once it has completed"),
            ));
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
        Ok(Fax {
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
        })
    }
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
mod tests {
    use super::*;

    fn raw() -> RawFax {
        RawFax {
            id: Some("F-1".into()),
            user_id: Some("bob".into()),
            destination_fax: Some("+1 212 555 0100".into()),
            submit_time: Some("2026-11-24T09:00:00Z".into()),
            pages_sent: Some("3".into()),
            ..RawFax::default()
        }
    }

    #[test]
    fn reads_interfax_json_with_exact_decimals() {
        let r = RawFax::from_json(
            r#"{"id":123456,"userId":"bob","destinationFax":"0012125550100","submitTime":"2026-11-24T09:00:00",
               "pagesSubmitted":3,"pagesSent":3,"duration":61,"units":3,"costPerUnit":0.0725,"status":0,
               "subject":"Invoice","attemptsMade":1,"messageSize":1234}"#,
        )
        .unwrap();
        let f = r.validate().unwrap();
        assert_eq!(f.id, "123456");
        assert_eq!(f.cost_per_unit.unwrap().to_string(), "0.0725");
        assert_eq!(f.destination, "+12125550100");
        assert_eq!(f.attempts_made, Some(1));
    }

    #[test]
    fn json_strings_are_their_text_and_escapes_are_decoded() {
        let r = RawFax::from_json(
            r#"{"id":"F-1","userId":"b\u006fb","subject":"say \"hi\", caf\u00e9\ttab","destinationFax":"+1"}"#,
        )
        .unwrap();
        assert_eq!(r.id.as_deref(), Some("F-1"));
        assert_eq!(r.user_id.as_deref(), Some("bob"));
        assert_eq!(r.subject.as_deref(), Some("say \"hi\", café\ttab"));
        assert_eq!(r.destination_fax.as_deref(), Some("+1"));
        assert_eq!(RawFax::from_json(r#"{"subject":""}"#).unwrap().subject.as_deref(), Some(""));
        assert!(RawFax::from_json("{\"subject\":\"a\u{1}b\"}").is_err(), "a control character is not JSON");
    }

    #[test]
    fn refuses_absurd_and_malformed_fields_with_their_name() {
        type Mutation = Box<dyn Fn(&mut RawFax)>;
        let cases: Vec<(&str, Mutation)> = vec![
            ("pagesSent", Box::new(|r| r.pages_sent = Some("-1".into()))),
            ("pagesSent", Box::new(|r| r.pages_sent = Some("1000000".into()))),
            ("pagesSent", Box::new(|r| r.pages_sent = Some("three".into()))),
            ("duration", Box::new(|r| r.duration = Some("-5".into()))),
            ("duration", Box::new(|r| r.duration = Some("1e9".into()))),
            ("submitTime", Box::new(|r| r.submit_time = Some("tomorrow".into()))),
            ("destinationFax", Box::new(|r| r.destination_fax = Some("call me".into()))),
            ("userId", Box::new(|r| r.user_id = Some("bob'; DROP TABLE users;--".into()))),
            ("id", Box::new(|r| r.id = Some("=cmd|' /C calc'!A0".into()))),
            ("id", Box::new(|r| r.id = None)),
            (
                "costPerUnit",
                Box::new(|r| {
                    r.units = Some("1".into());
                    r.cost_per_unit = Some("-0.10".into())
                }),
            ),
            ("units", Box::new(|r| r.cost_per_unit = Some("0.10".into()))),
            ("status", Box::new(|r| r.status = Some("-1".into()))),
            ("subject", Box::new(|r| r.subject = Some("a\u{0}b".into()))),
            ("completionTime", Box::new(|r| r.completion_time = Some("2026-11-24T08:00:00Z".into()))),
        ];
        for (field, mutate) in cases {
            let mut r = raw();
            mutate(&mut r);
            match r.validate() {
                Err(Error::Invalid { field: f, .. }) => assert_eq!(f, field),
                other => panic!("{field}: {other:?}"),
            }
        }
    }

    #[test]
    fn refuses_json_that_is_not_a_record() {
        for bad in ["", "[]", "{\"id\": {}}", "{\"pagesSent\": true}", "nonsense", "{\"id\":\"x\""] {
            let e = RawFax::from_json(bad).map(|r| r.validate());
            assert!(matches!(e, Err(_) | Ok(Err(_))), "{bad}");
        }
    }
}
