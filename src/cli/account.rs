//! `init`, `user add` and `user list`, `account show | set`, and `spend`.

use super::io::{print_json, read_password, remove_db_files};
use super::output;
use clap::Subcommand;
use faxcredit::account::{self, AccountKind, NewAccount, Role};
use faxcredit::db::Db;
use faxcredit::error::Result;
use faxcredit::money;
use faxcredit::time::Timestamp;

#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Add a user; the password is read from standard input.
    Add {
        name: String,
        #[arg(long, value_name = "manager|user")]
        role: String,
    },
    /// List users.
    List,
}

#[derive(Debug, Subcommand)]
pub enum AccountCommand {
    /// The account: name, kind, currency, email, credit limit, time zone and billing details.
    Show {
        #[arg(long)]
        json: bool,
    },
    /// Change the account's settings: what is not given stays as it is; "" clears a billing detail.
    Set {
        /// The IANA zone whose days and months the account counts in (the spend per day and
        /// month, activity days, a credit account's monthly card, the repeat order's monthly
        /// cap), e.g. Pacific/Auckland; `system` for the computer's zone (the default).
        #[arg(long, value_name = "ZONE")]
        time_zone: Option<String>,
        /// The billing address printed on receipts: lines separated by a line break (or `\n`).
        #[arg(long)]
        billing_address: Option<String>,
        #[arg(long)]
        tax_id: Option<String>,
        /// Send the PDF receipt with the email of each automatic purchase.
        #[arg(long, value_name = "on|off")]
        email_receipts: Option<String>,
    },
}

pub fn init(
    path: &faxcredit::db::Location,
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
    // A file this command creates is removed again if the account cannot be created in it.
    let new_file = path.file().filter(|f| !f.exists()).map(std::path::Path::to_path_buf);
    let mut db = Db::create(path)?;
    match faxcredit::setup::create_account(&mut db, &new, now) {
        Ok(a) => {
            outln!("created {} account {:?} ({}) in {}", a.kind.as_str(), a.name, a.currency, path)
        }
        Err(e) => {
            drop(db);
            if let Some(file) = new_file {
                remove_db_files(&file);
            }
            return Err(e);
        }
    }
    Ok(0)
}

pub fn add_user(path: &faxcredit::db::Location, name: String, role: String, now: Timestamp) -> Result<i32> {
    let role = Role::parse(&role)?;
    let mut db = Db::open(path)?;
    account::account(&db)?;
    let password = read_password()?;
    let u = account::add_user(&mut db, &name, role, &password, now)?;
    outln!("added {} {}", u.role.as_str(), u.name);
    Ok(0)
}

pub fn list_users(path: &faxcredit::db::Location) -> Result<i32> {
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

fn zone_words(a: &account::Account) -> String {
    let name = a.time_zone.as_deref().unwrap_or("the computer's zone (no IANA name)");
    if a.time_zone_set {
        name.to_string()
    } else {
        format!("{name} (the computer's zone; `account set --time-zone ZONE` fixes one)")
    }
}

/// `account show`: the account, its time zone and the billing details its receipts print.
pub fn show(path: &faxcredit::db::Location, json: bool) -> Result<i32> {
    let db = Db::open(path)?;
    let a = account::account(&db)?;
    let b = faxcredit::billing_details::billing_details(db.conn())?;
    if json {
        let mut v = serde_json::to_value(&a).map_err(|e| faxcredit::Error::Invariant(e.to_string()))?;
        v["billing_address"] = b.billing_address.into();
        v["tax_id"] = b.tax_id.into();
        v["email_receipts"] = b.email_receipts.into();
        return print_json(&v).map(|()| 0);
    }
    let mut rows = vec![
        ("name", a.name.clone()),
        ("kind", a.kind.as_str().into()),
        ("currency", a.currency.clone()),
        ("email", a.email.clone()),
    ];
    if let Some(limit) = a.credit_limit {
        rows.push(("credit limit", format!("{limit} a month")));
    }
    rows.push(("time zone", zone_words(&a)));
    rows.push(("created", a.created_at.clone()));
    let address = if b.billing_address.is_empty() { "(none)".into() } else { b.billing_address.replace('\n', ", ") };
    rows.push(("billing address", address));
    rows.push(("tax ID", if b.tax_id.is_empty() { "(none)".into() } else { b.tax_id.clone() }));
    rows.push(("receipts", if b.email_receipts { "emailed with each purchase" } else { "not emailed" }.into()));
    for (k, v) in rows {
        outln!("{k:<16} {v}");
    }
    Ok(0)
}

/// What `account set` was given; `None` leaves a setting as it is.
pub struct Settings {
    pub time_zone: Option<String>,
    pub billing_address: Option<String>,
    pub tax_id: Option<String>,
    pub email_receipts: Option<String>,
}

/// `account set`: the time zone and the billing details. Every value is checked before any is
/// saved, so bad input changes nothing.
pub fn set(path: &faxcredit::db::Location, s: Settings, now: Timestamp) -> Result<i32> {
    let email_receipts = s
        .email_receipts
        .map(|v| match v.trim().to_ascii_lowercase().as_str() {
            "on" | "yes" | "true" => Ok(true),
            "off" | "no" | "false" => Ok(false),
            _ => Err(faxcredit::Error::invalid("email-receipts", format!("{v:?} is not on or off"))),
        })
        .transpose()?;
    // `\n` typed on a command line is a line break of the address.
    let billing_address = s.billing_address.map(|a| a.replace("\\n", "\n"));
    let input = faxcredit::billing_details::BillingDetailsInput { billing_address, tax_id: s.tax_id, email_receipts };
    let zone = s.time_zone.as_deref().map(str::trim).map(|t| (!t.eq_ignore_ascii_case("system")).then_some(t));
    if input == Default::default() && zone.is_none() {
        return Err(faxcredit::Error::invalid(
            "account",
            "nothing to set: give --time-zone, --billing-address, --tax-id or --email-receipts",
        ));
    }
    if let Some(Some(name)) = zone {
        faxcredit::time::Zone::named(name, "time_zone")?;
    }
    let mut db = Db::open(path)?;
    if input != Default::default() {
        faxcredit::billing_details::set_billing_details(&mut db, &input, &super::io::actor(), now)?;
        outln!("billing details saved");
    }
    if let Some(name) = zone {
        let a = account::set_time_zone(&mut db, name, &super::io::actor(), now)?;
        outln!("time zone: {}", zone_words(&a));
    }
    Ok(0)
}

/// `spend`: this month's spend and the spend of each of the last days, in the account's zone.
pub fn spend(path: &faxcredit::db::Location, days: u32, json: bool, now: Timestamp) -> Result<i32> {
    if !(1..=3_660).contains(&days) {
        return Err(faxcredit::error::Error::invalid("days", "must be from 1 to 3660"));
    }
    let mut db = Db::open(path)?;
    let s = faxcredit::ledger::summary(&mut db, now, i64::from(days))?;
    if json {
        return print_json(&s).map(|()| 0);
    }
    let zone = s.time_zone.as_deref().unwrap_or("the computer's zone");
    outln!(
        "days in {zone}; this month: {} in {} faxes; credit remaining {}",
        s.spend_this_month,
        s.faxes_this_month,
        s.remaining
    );
    let rows: Vec<Vec<String>> =
        s.daily.iter().map(|d| vec![d.day.clone(), d.amount.to_string(), d.faxes.to_string()]).collect();
    out!("{}", output::table(&["DAY", "SPEND", "FAXES"], &[false, true, true], &rows));
    Ok(0)
}
