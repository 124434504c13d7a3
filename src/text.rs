//! Validators for the text a person or a gateway types in, and the one way long text is cut in
//! messages. A leaf: it knows nothing of the ledger.

use crate::error::{Error, Result};

pub fn validate_text(field: &str, s: &str, max: usize) -> Result<String> {
    let t = s.trim();
    if t.is_empty() {
        return Err(Error::invalid(field, "must not be empty"));
    }
    if t.chars().count() > max {
        return Err(Error::invalid(field, format!("is longer than {max} characters")));
    }
    if t.chars().any(char::is_control) {
        return Err(Error::invalid(field, "must not contain control characters"));
    }
    Ok(t.to_string())
}

pub fn validate_email(s: &str) -> Result<String> {
    let t = validate_text("email", s, 254)?;
    let ok = match t.split_once('@') {
        Some((local, domain)) => {
            !local.is_empty()
                && !domain.is_empty()
                && domain.contains('.')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
                && !t.contains(char::is_whitespace)
                && !domain.contains('@')
        }
        None => false,
    };
    if !ok {
        return Err(Error::invalid("email", format!("{t:?} is not an email address")));
    }
    Ok(t)
}

/// A three-letter ISO 4217 code, upper-cased.
pub fn validate_currency(s: &str) -> Result<String> {
    let t = s.trim().to_ascii_uppercase();
    if t.len() != 3 || !t.bytes().all(|b| b.is_ascii_uppercase()) {
        return Err(Error::invalid("currency", format!("{s:?} is not a three-letter currency code")));
    }
    Ok(t)
}

/// `s`, cut to `max` characters with an ellipsis: for quoting input in messages.
pub fn truncate(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        s.to_string()
    } else {
        let mut t: String = s.chars().take(max).collect();
        t.push('…');
        t
    }
}
