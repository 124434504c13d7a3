//! `recipients [--json]`, `recipients add EMAIL [--only purchases|alerts|refusals]`,
//! `recipients remove EMAIL`.

use clap::Subcommand;

use super::io::{actor, print_json};
use faxcredit::db::Db;
use faxcredit::error::Result;
use faxcredit::notify::{self, Only};
use faxcredit::time::Timestamp;

#[derive(Debug, Subcommand)]
pub enum RecipientsCommand {
    /// Send notifications to EMAIL too: every message, or --only one sort of them. Adding an
    /// address again changes what it gets.
    Add {
        email: String,
        #[arg(long, value_name = "purchases|alerts|refusals")]
        only: Option<String>,
    },
    /// Stop sending notifications to EMAIL.
    Remove { email: String },
}

pub fn run(path: &faxcredit::db::Location, cmd: Option<RecipientsCommand>, json: bool, now: Timestamp) -> Result<i32> {
    let mut db = Db::open(path)?;
    faxcredit::account::account(&db)?;
    match cmd {
        Some(RecipientsCommand::Add { email, only }) => {
            let only = only.as_deref().map(Only::parse).transpose()?;
            let r = notify::add_recipient(&mut db, &email, only, &actor(), now)?;
            println!("{} gets {}", r.address, gets(r.only));
            return Ok(0);
        }
        Some(RecipientsCommand::Remove { email }) => {
            notify::remove_recipient(&mut db, &email, &actor(), now)?;
            println!("{} no longer gets notifications", email.trim());
            return Ok(0);
        }
        None => {}
    }
    let list = notify::recipients(&db)?;
    if json {
        return print_json(&list).map(|()| 0);
    }
    for r in &list {
        let note = if r.account_email { "  (the account email)" } else { "" };
        println!("{:<40} {}{note}", r.address, gets(r.only));
    }
    Ok(0)
}

fn gets(only: Option<Only>) -> String {
    match only {
        None => "every message".into(),
        Some(o) => format!("{} only", o.as_str()),
    }
}
