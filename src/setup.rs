//! Creating an account: what `faxcredit init`, the app's first run and the demo all do. It
//! stands above the modules it fills (the account, the package catalog, the rate table, a credit
//! account's first monthly card), so none of them needs to know of the others.

use rust_decimal::Decimal;

use crate::account::{account, hash_password, insert_user, users, validate_password, validate_user_name};
use crate::account::{Account, AccountKind, NewAccount, Role, User};
use crate::db::Db;
use crate::error::{Error, Result};
use crate::money;
use crate::text::{validate_currency, validate_email, validate_text};
use crate::time::{fmt_ts, Timestamp};

/// Creates the account with the default package catalog and rate table. For a credit account
/// the current month's card opens at once.
pub fn create_account(db: &mut Db, new: &NewAccount, now: Timestamp) -> Result<Account> {
    create_account_and_manager(db, new, None, now)
}

/// The first run: the account and its first manager in one transaction, so a refusal of
/// either leaves nothing behind.
pub fn create_account_with_manager(
    db: &mut Db,
    new: &NewAccount,
    manager: &str,
    password: &str,
    now: Timestamp,
) -> Result<(Account, User)> {
    let name = validate_user_name(manager)?;
    validate_password(password)?;
    let hash = hash_password(password)?;
    let account = create_account_and_manager(db, new, Some((&name, &hash)), now)?;
    let user = users(db)?.into_iter().find(|u| u.name == name).ok_or(Error::NotInitialized)?;
    Ok((account, user))
}

fn create_account_and_manager(
    db: &mut Db,
    new: &NewAccount,
    manager: Option<(&str, &str)>,
    now: Timestamp,
) -> Result<Account> {
    let name = validate_text("name", &new.name, 200)?;
    let email = validate_email(&new.email)?;
    let currency = validate_currency(&new.currency)?;
    let limit = match (new.kind, new.credit_limit) {
        (AccountKind::Credit, None) => {
            return Err(Error::invalid("credit-limit", "a credit account needs a monthly credit limit"))
        }
        (AccountKind::Credit, Some(l)) if l <= Decimal::ZERO => {
            return Err(Error::invalid("credit-limit", "must be more than zero"))
        }
        (AccountKind::Prepaid, Some(_)) => {
            return Err(Error::invalid("credit-limit", "only a credit account has a credit limit"))
        }
        (_, l) => l.map(|l| money::to_units(l, "credit-limit")).transpose()?,
    };
    db.write(|tx| {
        if let Some(existing) = tx.query_opt("SELECT name FROM account WHERE id = 1", &[], |r| r.get::<String>(0))? {
            return Err(Error::AlreadyInitialized(existing));
        }
        tx.execute(
            "INSERT INTO account (id, name, kind, email, currency, credit_limit, created_at)
             VALUES (1, ?1, ?2, ?3, ?4, ?5, ?6)",
            &[&name, &new.kind.as_str(), &email, &currency, &limit, &fmt_ts(&now)],
        )?;
        crate::catalog::insert_defaults(tx)?;
        crate::rates::insert_defaults(tx)?;
        if new.kind == AccountKind::Credit {
            crate::ledger::cards::ensure_month_card(tx, &crate::account::time_zone(tx)?, now)?;
        }
        if let Some((user, hash)) = manager {
            insert_user(tx, user, Role::Manager, hash, now)?;
        }
        Ok(())
    })?;
    account(db)
}
