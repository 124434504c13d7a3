//! The fax id is the idempotency key (TigerBeetle's rule): a fax billed again is `exists` when
//! every field it carries equals the stored one, and `exists_with_different_<field>` naming the
//! first field that differs otherwise. A pure rule over the stored row and the record's claims.

use rust_decimal::Decimal;

use crate::error::{Error, Result};
use crate::ledger::record::Claims;
use crate::money::{self, fmt_units};
use crate::time::fmt_ts;

/// A fax row as stored, for the idempotency comparison.
pub struct Stored {
    pub user: String,
    pub destination: String,
    pub submit_time: String,
    pub completion_time: Option<String>,
    pub pages_submitted: i64,
    pub pages_sent: i64,
    pub duration: i64,
    pub units_given: Option<i64>,
    pub cpu_given: Option<i64>,
    pub status: i64,
    pub subject: Option<String>,
    pub attempts_made: Option<i64>,
}

/// A field as a record claims it, in its stored form: `None` when the record does not carry it,
/// `Some(None)` when it says there is no value.
type Claimed = Option<Option<String>>;

fn show<T: std::fmt::Display>(v: &Option<T>) -> String {
    v.as_ref().map_or_else(|| "none".to_string(), |v| v.to_string())
}

/// Compares what a record says with the stored fax, field by field in InterFAX's order. A
/// field the record does not carry is not compared; values are compared in their stored
/// form (times to the second, amounts in ten-thousandths), user names in any case.
pub fn compare(fax_id: &str, c: &Claims<'_>, s: &Stored) -> Result<()> {
    let text = |v: Option<&str>| v.map(|v| Some(v.to_string()));
    let num = |v: Option<i64>| v.map(|v| Some(v.to_string()));
    let amount = |v: Option<Option<Decimal>>, field| -> Result<Claimed> {
        v.map(|v| v.map(|d| money::to_units(d, field).map(fmt_units)).transpose()).transpose()
    };
    // (field, what the record claims: None when it does not carry the field, what is stored)
    let claims: [(&'static str, Claimed, Option<String>); 12] = [
        ("user", text(c.user), Some(s.user.clone())),
        ("destination", text(c.destination), Some(s.destination.clone())),
        ("submit_time", c.submit_time.map(|t| Some(fmt_ts(&t))), Some(s.submit_time.clone())),
        ("completion_time", c.completion_time.map(|t| t.as_ref().map(fmt_ts)), s.completion_time.clone()),
        ("pages", num(c.pages_sent), Some(s.pages_sent.to_string())),
        ("pages_submitted", num(c.pages_submitted), Some(s.pages_submitted.to_string())),
        ("duration", num(c.duration), Some(s.duration.to_string())),
        ("units", amount(c.units, "units")?, s.units_given.map(fmt_units)),
        ("cost_per_unit", amount(c.cost_per_unit, "costPerUnit")?, s.cpu_given.map(fmt_units)),
        ("status", num(c.status), Some(s.status.to_string())),
        ("subject", c.subject.map(|v| v.map(str::to_string)), s.subject.clone()),
        ("attempts_made", c.attempts_made.map(|v| v.map(|v| v.to_string())), s.attempts_made.map(|v| v.to_string())),
    ];
    for (field, claimed, stored) in claims {
        let Some(given) = claimed else { continue };
        let same = match (&given, &stored) {
            (Some(g), Some(st)) if field == "user" => g.eq_ignore_ascii_case(st),
            _ => given == stored,
        };
        if !same {
            return Err(Error::ExistsWithDifferent {
                fax_id: fax_id.to_string(),
                field,
                existing: crate::text::truncate(&show(&stored), 60),
                given: crate::text::truncate(&show(&given), 60),
            });
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn stored(user: &str, pages: i64, subject: Option<&str>) -> Stored {
        Stored {
            user: user.into(),
            destination: "+12125550100".into(),
            submit_time: "2026-11-24T09:00:00Z".into(),
            completion_time: None,
            pages_submitted: pages,
            pages_sent: pages,
            duration: 60,
            units_given: None,
            cpu_given: None,
            status: 0,
            subject: subject.map(str::to_string),
            attempts_made: None,
        }
    }

    fn claims<'a>(user: &'a str, pages: i64, subject: Option<&'a str>) -> Claims<'a> {
        Claims {
            user: Some(user),
            destination: Some("+12125550100"),
            submit_time: Some(crate::time::parse_ts("2026-11-24T09:00:00Z", "t").unwrap()),
            completion_time: None,
            pages_submitted: Some(pages),
            pages_sent: Some(pages),
            duration: Some(60),
            units: None,
            cost_per_unit: None,
            status: Some(0),
            subject: Some(subject),
            attempts_made: None,
        }
    }

    proptest! {
        #[test]
        fn the_same_fax_is_the_same_and_the_first_differing_field_is_named(
            user in "[a-z]{1,8}",
            pages in 0i64..500,
            other_pages in 0i64..500,
            subject in proptest::option::of("[ -~]{0,20}"),
        ) {
            let s = stored(&user, pages, subject.as_deref());
            prop_assert!(compare("f", &claims(&user.to_uppercase(), pages, subject.as_deref()), &s).is_ok(), "user names in any case");
            let differs = compare("f", &claims(&user, other_pages, subject.as_deref()), &s);
            if other_pages == pages {
                prop_assert!(differs.is_ok());
            } else {
                prop_assert!(matches!(differs, Err(Error::ExistsWithDifferent { field: "pages", .. })), "{differs:?}");
            }
            // A field the record does not carry is not compared.
            let mut partial = claims(&user, other_pages, None);
            partial.pages_sent = None;
            partial.pages_submitted = None;
            partial.subject = None;
            prop_assert!(compare("f", &partial, &s).is_ok());
        }
    }
}
