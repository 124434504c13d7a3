//! `init`, `user add` and `user list`.

use std::path::Path;

use super::io::{read_password, remove_db_files};
use super::output;
use faxcredit::account::{self, AccountKind, NewAccount, Role};
use faxcredit::db::Db;
use faxcredit::error::Result;
use faxcredit::money;
use faxcredit::time::Timestamp;

pub fn init(
    path: &Path,
    name: String,
    kind: String,
    email: String,
    currency: String,
    credit_limit: Option<String>,
    now: Timestamp,
) -> Result<i32> {
    let kind = AccountKind::parse(&kind)?;
    let credit_limit = credit_limit.map(|c| money::parse_amount(&c, "credit-limit")).transpose()?;
    let new = NewAccount { name, kind, email, currency, credit_limit };
    // Validate before creating any file, so bad input leaves nothing behind.
    let mut probe = Db::in_memory()?;
    faxcredit::setup::create_account(&mut probe, &new, now)?;
    let existed = path.exists();
    let mut db = Db::create(path)?;
    match faxcredit::setup::create_account(&mut db, &new, now) {
        Ok(a) => {
            outln!("created {} account {:?} ({}) in {}", a.kind.as_str(), a.name, a.currency, path.display())
        }
        Err(e) => {
            drop(db);
            if !existed {
                remove_db_files(path);
            }
            return Err(e);
        }
    }
    Ok(0)
}

pub fn add_user(path: &Path, name: String, role: String, now: Timestamp) -> Result<i32> {
    let role = Role::parse(&role)?;
    let mut db = Db::open(path)?;
    account::account(&db)?;
    let password = read_password()?;
    let u = account::add_user(&mut db, &name, role, &password, now)?;
    outln!("added {} {}", u.role.as_str(), u.name);
    Ok(0)
}

pub fn list_users(path: &Path) -> Result<i32> {
    let db = Db::open(path)?;
    let rows: Vec<Vec<String>> = account::users(&db)?
        .into_iter()
        .map(|u| {
            let role = if u.login { u.role.as_str() } else { "fax sender (no login)" };
            vec![u.name, role.into()]
        })
        .collect();
    out!("{}", output::table(&["USER", "ROLE"], &[false, false], &rows));
    Ok(0)
}

/// `account show`: the account and the billing details its receipts print.
pub fn show(path: &Path, json: bool) -> Result<i32> {
    let db = Db::open(path)?;
    let a = account::account(&db)?;
    let b = faxcredit::billing_details::billing_details(db.conn())?;
    if json {
        return super::io::print_json(&serde_json::json!({
            "name": a.name, "kind": a.kind, "email": a.email, "currency": a.currency,
            "credit_limit": a.credit_limit.map(|c| c.to_string()), "created_at": a.created_at,
            "billing_address": b.billing_address, "tax_id": b.tax_id, "email_receipts": b.email_receipts,
        }))
        .map(|()| 0);
    }
    outln!("{} ({} account, {}), {}", a.name, a.kind.as_str(), a.currency, a.email);
    let address = if b.billing_address.is_empty() { "(none)".into() } else { b.billing_address.replace('\n', ", ") };
    outln!("billing address: {address}");
    outln!("tax ID: {}", if b.tax_id.is_empty() { "(none)" } else { &b.tax_id });
    outln!("receipts emailed with each purchase: {}", if b.email_receipts { "on" } else { "off" });
    Ok(0)
}

/// `account set`: the billing details; what is not given stays as it is, "" clears it.
pub fn set(
    path: &Path,
    billing_address: Option<String>,
    tax_id: Option<String>,
    email_receipts: Option<String>,
    now: Timestamp,
) -> Result<i32> {
    let email_receipts = email_receipts
        .map(|s| match s.trim().to_ascii_lowercase().as_str() {
            "on" | "yes" | "true" => Ok(true),
            "off" | "no" | "false" => Ok(false),
            _ => Err(faxcredit::Error::invalid("email-receipts", format!("{s:?} is not on or off"))),
        })
        .transpose()?;
    // `\n` typed on a command line is a line break of the address.
    let billing_address = billing_address.map(|a| a.replace("\\n", "\n"));
    let input = faxcredit::billing_details::BillingDetailsInput { billing_address, tax_id, email_receipts };
    if input == Default::default() {
        return Err(faxcredit::Error::invalid(
            "account",
            "nothing to set: give --billing-address, --tax-id or --email-receipts",
        ));
    }
    let mut db = Db::open(path)?;
    faxcredit::billing_details::set_billing_details(&mut db, &input, now)?;
    outln!("billing details saved");
    Ok(0)
}
