//! `init`, `user add` and `user list`, `account show | set`, and `spend`.

use std::path::Path;

use clap::Subcommand;

use super::io::{print_json, read_password, remove_db_files};
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
            println!("created {} account {:?} ({}) in {}", a.kind.as_str(), a.name, a.currency, path.display())
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
    println!("added {} {}", u.role.as_str(), u.name);
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
    print!("{}", output::table(&["USER", "ROLE"], &[false, false], &rows));
    Ok(0)
}

#[derive(Debug, Subcommand)]
pub enum AccountCommand {
    /// The account: name, kind, currency, email, credit limit and time zone.
    Show {
        #[arg(long)]
        json: bool,
    },
    /// Change the account's settings.
    Set {
        /// The IANA zone whose days and months the account counts in (the spend per day and
        /// month, activity days, a credit account's monthly card, the repeat order's monthly
        /// cap), e.g. Pacific/Auckland; `system` for the computer's zone (the default).
        #[arg(long, value_name = "ZONE")]
        time_zone: String,
    },
}

fn zone_words(a: &account::Account) -> String {
    let name = a.time_zone.as_deref().unwrap_or("the computer's zone (no IANA name)");
    if a.time_zone_set {
        name.to_string()
    } else {
        format!("{name} (the computer's zone; `account set --time-zone ZONE` fixes one)")
    }
}

pub fn account_command(path: &Path, cmd: AccountCommand) -> Result<i32> {
    let mut db = Db::open(path)?;
    match cmd {
        AccountCommand::Show { json } => {
            let a = account::account(&db)?;
            if json {
                print_json(&a)?;
            } else {
                let mut rows = vec![
                    vec!["name".to_string(), a.name.clone()],
                    vec!["kind".into(), a.kind.as_str().into()],
                    vec!["currency".into(), a.currency.clone()],
                    vec!["email".into(), a.email.clone()],
                ];
                if let Some(limit) = a.credit_limit {
                    rows.push(vec!["credit limit".into(), format!("{limit} a month")]);
                }
                rows.push(vec!["time zone".into(), zone_words(&a)]);
                rows.push(vec!["created".into(), a.created_at.clone()]);
                for r in rows {
                    println!("{:<13} {}", r[0], r[1]);
                }
            }
        }
        AccountCommand::Set { time_zone } => {
            let t = time_zone.trim();
            let name = (!t.eq_ignore_ascii_case("system")).then_some(t);
            let a = account::set_time_zone(&mut db, name)?;
            println!("time zone: {}", zone_words(&a));
        }
    }
    Ok(0)
}

/// `spend`: this month's spend and the spend of each of the last days, in the account's zone.
pub fn spend(path: &Path, days: u32, json: bool, now: Timestamp) -> Result<i32> {
    if !(1..=3_660).contains(&days) {
        return Err(faxcredit::error::Error::invalid("days", "must be from 1 to 3660"));
    }
    let mut db = Db::open(path)?;
    let s = faxcredit::ledger::summary(&mut db, now, i64::from(days))?;
    if json {
        return print_json(&s).map(|()| 0);
    }
    let zone = s.time_zone.as_deref().unwrap_or("the computer's zone");
    println!(
        "days in {zone}; this month: {} in {} faxes; credit remaining {}",
        s.spend_this_month, s.faxes_this_month, s.remaining
    );
    let rows: Vec<Vec<String>> =
        s.daily.iter().map(|d| vec![d.day.clone(), d.amount.to_string(), d.faxes.to_string()]).collect();
    print!("{}", output::table(&["DAY", "SPEND", "FAXES"], &[false, true, true], &rows));
    Ok(0)
}
