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
