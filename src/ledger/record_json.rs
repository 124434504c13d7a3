//! The JSON form of an InterFAX record: each value's raw text, so numbers keep their digits.

use serde::Deserialize;
use serde_json::value::RawValue;

use crate::account::truncate;
use crate::error::{Error, Result};
use crate::ledger::record::RawFax;

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
    /// Parses one JSON object with InterFAX field names. Any other JSON value is refused: serde
    /// would read an array onto the fields by position.
    pub fn from_json(line: &str) -> Result<RawFax> {
        let first = line.trim_start().bytes().next();
        if first != Some(b'{') && serde_json::from_str::<serde::de::IgnoredAny>(line).is_ok() {
            // Valid JSON that is not an object: its first byte says what it is.
            let what = match first {
                Some(b'[') => "an array",
                Some(b'"') => "a string",
                Some(b't' | b'f') => "true or false",
                Some(b'n') => "null",
                _ => "a number",
            };
            return Err(Error::invalid("record", format!("a fax record is a JSON object, not {what}")));
        }
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
}
