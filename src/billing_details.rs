//! The account's billing details, printed on every receipt: the billing address and tax ID the
//! manager gives for finance, and whether a receipt is emailed with each purchase.

use serde::{Deserialize, Serialize};

use crate::db::Db;
use crate::error::{Error, Result};
use crate::sql::Conn;
use crate::time::{fmt_ts, Timestamp};

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct BillingDetails {
    /// Lines separated by `\n`; "" when not given.
    pub billing_address: String,
    pub tax_id: String,
    /// A PDF receipt goes with the email of each paid purchase.
    pub email_receipts: bool,
}

/// A change to the billing details: a field left `None` keeps its value; "" clears a text.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct BillingDetailsInput {
    pub billing_address: Option<String>,
    pub tax_id: Option<String>,
    pub email_receipts: Option<bool>,
}

pub fn billing_details(conn: Conn<'_>) -> Result<BillingDetails> {
    Ok(conn
        .query_opt("SELECT billing_address, tax_id, email_receipts FROM billing_details WHERE id = 1", &[], |r| {
            Ok(BillingDetails { billing_address: r.get(0)?, tax_id: r.get(1)?, email_receipts: r.get(2)? })
        })?
        .unwrap_or_default())
}

/// An address of at most 8 lines of 100 characters; blank lines and spaces around lines dropped.
pub fn validate_address(s: &str) -> Result<String> {
    let lines: Vec<&str> = s.lines().map(str::trim).filter(|l| !l.is_empty()).collect();
    if lines.len() > 8 {
        return Err(Error::invalid("billing_address", "has more than 8 lines"));
    }
    for l in &lines {
        if l.chars().count() > 100 {
            return Err(Error::invalid("billing_address", "has a line longer than 100 characters"));
        }
        if l.chars().any(char::is_control) {
            return Err(Error::invalid("billing_address", "must not contain control characters"));
        }
    }
    Ok(lines.join("\n"))
}

/// A tax or VAT number as tax offices print them: letters, digits, spaces and `- . /`, at most
/// 40 characters.
pub fn validate_tax_id(s: &str) -> Result<String> {
    let t = s.trim();
    let ok = t.chars().count() <= 40 && t.chars().all(|c| c.is_alphanumeric() || matches!(c, ' ' | '-' | '.' | '/'));
    if !ok {
        return Err(Error::invalid(
            "tax_id",
            format!("{:?} is not a tax ID (letters, digits, spaces, - . /; at most 40)", crate::text::truncate(t, 50)),
        ));
    }
    Ok(t.to_string())
}

/// Checks every given field, then writes them in one transaction, with the audit line of who
/// saved them.
pub fn set_billing_details(
    db: &mut Db,
    input: &BillingDetailsInput,
    by: &crate::audit::Actor,
    now: Timestamp,
) -> Result<BillingDetails> {
    let address = input.billing_address.as_deref().map(validate_address).transpose()?;
    let tax_id = input.tax_id.as_deref().map(validate_tax_id).transpose()?;
    let mut changed = Vec::new();
    if input.billing_address.is_some() {
        changed.push("billing address");
    }
    if input.tax_id.is_some() {
        changed.push("tax ID");
    }
    if let Some(on) = input.email_receipts {
        changed.push(if on { "receipts emailed" } else { "receipts not emailed" });
    }
    let detail = format!("billing details: {}", changed.join(", "));
    db.write(|tx| {
        crate::account::account_in(tx)?;
        let old = billing_details(tx)?;
        let new = BillingDetails {
            billing_address: address.clone().unwrap_or(old.billing_address),
            tax_id: tax_id.clone().unwrap_or(old.tax_id),
            email_receipts: input.email_receipts.unwrap_or(old.email_receipts),
        };
        tx.execute(
            "INSERT INTO billing_details (id, billing_address, tax_id, email_receipts, updated_at)
             VALUES (1, ?1, ?2, ?3, ?4)
             ON CONFLICT (id) DO UPDATE SET billing_address = excluded.billing_address, tax_id = excluded.tax_id,
               email_receipts = excluded.email_receipts, updated_at = excluded.updated_at",
            &[&new.billing_address, &new.tax_id, &new.email_receipts, &fmt_ts(&now)],
        )?;
        crate::audit::record(tx, by, crate::audit::Action::AccountSettingsSaved, &detail, now)?;
        Ok(new)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_a_tax_id_or_address_it_cannot_print_and_keeps_what_was_there() {
        let mut db = Db::in_memory().unwrap();
        crate::setup::create_account(
            &mut db,
            &crate::account::NewAccount {
                name: "Acme".into(),
                kind: crate::account::AccountKind::Prepaid,
                email: "a@acme.example".into(),
                currency: "USD".into(),
                credit_limit: None,
            },
            chrono::Utc::now(),
        )
        .unwrap();
        let now = chrono::Utc::now();
        let by = crate::audit::Actor::cli("test");
        let ok = BillingDetailsInput {
            billing_address: Some(" 1 Main St \n\n Springfield, IL 62701 ".into()),
            tax_id: Some("US 12-3456789".into()),
            email_receipts: Some(true),
        };
        let saved = set_billing_details(&mut db, &ok, &by, now).unwrap();
        assert_eq!(saved.billing_address, "1 Main St\nSpringfield, IL 62701");
        for bad in [
            BillingDetailsInput { tax_id: Some("=cmd()".into()), ..Default::default() },
            BillingDetailsInput { tax_id: Some("X".repeat(41)), ..Default::default() },
            BillingDetailsInput { billing_address: Some("a\n".repeat(9)), ..Default::default() },
            BillingDetailsInput {
                billing_address: Some("x\u{7}".into()),
                tax_id: Some("DE123".into()),
                ..Default::default()
            },
        ] {
            let e = set_billing_details(&mut db, &bad, &by, now).unwrap_err();
            assert_eq!(e.code(), "invalid_input");
        }
        assert_eq!(billing_details(db.conn()).unwrap(), saved, "nothing saved by a refused change");
        let kept = set_billing_details(
            &mut db,
            &BillingDetailsInput { tax_id: Some(String::new()), ..Default::default() },
            &by,
            now,
        )
        .unwrap();
        assert_eq!(
            (kept.tax_id.as_str(), kept.billing_address.as_str(), kept.email_receipts),
            ("", saved.billing_address.as_str(), true)
        );
    }
}
