//! The account (prepaid or credit) and its users: creation, roles, Argon2id passwords, login.
//! Users are one list of names: logins, and fax senders that billing registered without a
//! password, which cannot log in until `add_user` gives them one.

use argon2::password_hash::{rand_core::OsRng, PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use rust_decimal::Decimal;
use serde::Serialize;

use crate::audit::{self, Action, Actor};
use crate::db::Db;
use crate::error::{Error, Result};
use crate::money;
use crate::sql::Conn;
pub use crate::text::{truncate, validate_email, validate_text};
use crate::time::{fmt_ts, Timestamp, Zone};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AccountKind {
    Prepaid,
    Credit,
}

impl AccountKind {
    pub fn as_str(self) -> &'static str {
        match self {
            AccountKind::Prepaid => "prepaid",
            AccountKind::Credit => "credit",
        }
    }
    pub fn parse(s: &str) -> Result<AccountKind> {
        match s.trim().to_ascii_lowercase().as_str() {
            "prepaid" => Ok(AccountKind::Prepaid),
            "credit" => Ok(AccountKind::Credit),
            _ => Err(Error::invalid("kind", format!("{s:?} is not prepaid or credit"))),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Manager,
    User,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Manager => "manager",
            Role::User => "user",
        }
    }
    pub fn parse(s: &str) -> Result<Role> {
        match s.trim().to_ascii_lowercase().as_str() {
            "manager" => Ok(Role::Manager),
            "user" => Ok(Role::User),
            _ => Err(Error::invalid("role", format!("{s:?} is not manager or user"))),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Account {
    pub name: String,
    pub kind: AccountKind,
    pub email: String,
    pub currency: String,
    pub credit_limit: Option<Decimal>,
    pub created_at: String,
    /// The IANA name of the zone whose days and months the account counts in (the spend
    /// chart, this month's spend, the activity's days, a credit account's monthly card, the
    /// repeat order's monthly cap); `None` when it is the computer's and that has no name.
    pub time_zone: Option<String>,
    /// False: the account has no zone of its own and follows the computer's.
    pub time_zone_set: bool,
}

/// What `init` needs; validated by [`create_account`].
#[derive(Debug, Clone)]
pub struct NewAccount {
    pub name: String,
    pub kind: AccountKind,
    pub email: String,
    pub currency: String,
    pub credit_limit: Option<Decimal>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct User {
    pub id: i64,
    pub name: String,
    pub role: Role,
    /// False for a fax sender registered from a fax record: no password, no login.
    pub login: bool,
}

/// User names as InterFAX allows them: letters, digits and `. _ - @`, 1 to 64 characters.
pub fn validate_user_name(s: &str) -> Result<String> {
    let t = s.trim();
    let ok =
        !t.is_empty() && t.len() <= 64 && t.chars().all(|c| c.is_alphanumeric() || matches!(c, '.' | '_' | '-' | '@'));
    if !ok {
        return Err(Error::invalid(
            "user",
            format!("{:?} is not a user name (1-64 letters, digits, . _ - @)", truncate(t, 80)),
        ));
    }
    Ok(t.to_string())
}

/// `not_prepaid` unless the account is a prepaid one: buying, payment cards, repeat orders and
/// applied prepaid cards are for prepaid accounts only (DESIGN.md §1), refused by the core.
pub fn require_prepaid(conn: Conn<'_>, what: &str) -> Result<()> {
    if account_in(conn)?.kind != AccountKind::Prepaid {
        return Err(Error::NotPrepaid(what.into()));
    }
    Ok(())
}

pub fn account(db: &Db) -> Result<Account> {
    account_in(db.conn())
}

pub(crate) fn account_in(conn: Conn<'_>) -> Result<Account> {
    conn.query_opt(
        "SELECT name, kind, email, currency, credit_limit, created_at, time_zone FROM account WHERE id = 1",
        &[],
        |r| {
            Ok((
                r.get::<String>(0)?,
                r.get::<String>(1)?,
                r.get::<String>(2)?,
                r.get::<String>(3)?,
                r.get::<Option<i64>>(4)?,
                r.get::<String>(5)?,
                r.get::<Option<String>>(6)?,
            ))
        },
    )?
    .map(|(name, kind, email, currency, limit, created_at, zone)| {
        let set = zone.is_some();
        Ok(Account {
            name,
            kind: AccountKind::parse(&kind)?,
            email,
            currency,
            credit_limit: limit.map(money::from_units),
            created_at,
            time_zone: zone_of(zone.as_deref()).name().map(str::to_string),
            time_zone_set: set,
        })
    })
    .unwrap_or(Err(Error::NotInitialized))
}

/// The zone a stored setting names: the computer's when none is set (or the stored name is no
/// longer in the database: a zone is only stored after it was found).
fn zone_of(setting: Option<&str>) -> Zone {
    setting.and_then(|n| Zone::named(n, "time_zone").ok()).unwrap_or_else(Zone::system)
}

/// The account's zone: the days and months it counts in.
pub fn time_zone(conn: Conn<'_>) -> Result<Zone> {
    let setting: Option<String> = conn
        .query_opt("SELECT time_zone FROM account WHERE id = 1", &[], |r| r.get(0))?
        .ok_or(Error::NotInitialized)?;
    Ok(zone_of(setting.as_deref()))
}

/// Sets the account's zone by its IANA name, or back to the computer's (`None`). An unknown
/// name is `invalid_input` on `time_zone` and changes nothing. Nothing else is rewritten: the
/// spend is kept per quarter hour of UTC, which adds up into the days of any zone. The change
/// and its audit line (`by`) are one transaction.
pub fn set_time_zone(db: &mut Db, name: Option<&str>, by: &crate::audit::Actor, now: Timestamp) -> Result<Account> {
    let zone = name.map(|n| Zone::named(n, "time_zone")).transpose()?;
    let detail = format!("time zone: {}", zone.as_ref().and_then(Zone::name).unwrap_or("the computer's"));
    db.write(|tx| {
        account_in(tx)?;
        tx.execute("UPDATE account SET time_zone = ?1 WHERE id = 1", &[&zone.as_ref().and_then(Zone::name)])?;
        crate::audit::record(tx, by, crate::audit::Action::AccountSettingsSaved, &detail, now)?;
        account_in(tx)
    })
}

pub(crate) fn hash_password(password: &str) -> Result<String> {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| Error::invalid("password", format!("cannot hash: {e}")))
}

pub fn validate_password(password: &str) -> Result<()> {
    let n = password.chars().count();
    if n < 8 {
        return Err(Error::invalid("password", "must be at least 8 characters"));
    }
    if n > 1024 {
        return Err(Error::invalid("password", "must be at most 1024 characters"));
    }
    Ok(())
}

pub fn add_user(db: &mut Db, name: &str, role: Role, password: &str, now: Timestamp) -> Result<User> {
    let name = validate_user_name(name)?;
    validate_password(password)?;
    let hash = hash_password(password)?;
    db.write(|tx| {
        account_in(tx)?;
        let sender: Option<(i64, String)> =
            tx.query_opt("SELECT id, name FROM users WHERE name = ?1 AND password_hash IS NULL", &[&name], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })?;
        let (id, name) = match sender {
            // A fax sender gets its login: same user, same faxes, the name as the faxes have it.
            Some((id, stored)) => {
                tx.execute(
                    "UPDATE users SET role = ?1, password_hash = ?2 WHERE id = ?3",
                    &[&role.as_str(), &hash, &id],
                )?;
                (id, stored)
            }
            None => (insert_user(tx, &name, role, &hash, now)?, name.clone()),
        };
        Ok(User { id, name, role, login: true })
    })
}

pub(crate) fn insert_user(tx: Conn<'_>, name: &str, role: Role, hash: &str, now: Timestamp) -> Result<i64> {
    let taken: bool = tx.query_row("SELECT EXISTS (SELECT 1 FROM users WHERE name = ?1)", &[&name], |r| r.get(0))?;
    if taken {
        return Err(Error::Conflict(format!("a user named {name:?} already exists")));
    }
    tx.query_row(
        "INSERT INTO users (name, role, password_hash, created_at) VALUES (?1, ?2, ?3, ?4) RETURNING id",
        &[&name, &role.as_str(), &hash, &fmt_ts(&now)],
        |r| r.get(0),
    )
}

pub(crate) fn hash_for_seed(password: &str) -> Result<String> {
    hash_password(password)
}

/// Every user, logins and fax senders, by name.
pub fn users(db: &Db) -> Result<Vec<User>> {
    db.conn().query("SELECT id, name, role, password_hash IS NOT NULL FROM users ORDER BY name", &[], |r| {
        Ok(User { id: r.get(0)?, name: r.get(1)?, role: Role::parse(&r.get::<String>(2)?)?, login: r.get(3)? })
    })
}

/// Checks a password against the stored Argon2id hash. An unknown user, or a fax sender
/// without a login, costs the same hash work as a login, so the timing does not say which
/// names exist.
pub fn verify_login(db: &Db, name: &str, password: &str) -> Result<User> {
    let row = db.conn().query_opt(
        "SELECT id, name, role, password_hash FROM users WHERE name = ?1",
        &[&name.trim()],
        |r| Ok((r.get::<i64>(0)?, r.get::<String>(1)?, r.get::<String>(2)?, r.get::<Option<String>>(3)?)),
    )?;
    static DUMMY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    let stored = row.as_ref().and_then(|r| r.3.as_deref());
    let hash = stored.unwrap_or_else(|| DUMMY.get_or_init(|| hash_password("no such user").unwrap_or_default()));
    let ok = PasswordHash::new(hash)
        .map(|h| Argon2::default().verify_password(password.as_bytes(), &h).is_ok())
        .unwrap_or(false);
    match row {
        Some((id, name, role, Some(_))) if ok => Ok(User { id, name, role: Role::parse(&role)?, login: true }),
        _ => Err(Error::BadCredentials),
    }
}

/// Failed attempts allowed before a user name is locked.
pub const FREE_FAILURES: i64 = 5;

/// The lockout after the `n`-th failure past the free ones: 30 s, doubling, at most 15 minutes.
fn lockout(n: i64) -> chrono::Duration {
    let secs = 30i64.saturating_mul(1i64 << (n - 1).clamp(0, 5));
    chrono::Duration::seconds(secs.min(15 * 60))
}

/// [`verify_login`] with a limit: after five failures for a name, it is locked for 30 s, then
/// 60 s, ... up to 15 minutes per further failure, with `too_many_attempts`; the password is not
/// even checked while it is locked. A success clears the count.
///
/// The lock is checked and the attempt counted in one write transaction *before* the hash is
/// verified, so parallel attempts cannot all slip in under the lock: the sixth waits for the
/// write lock, sees five counted, and is refused without a check.
pub fn login(db: &mut Db, name: &str, password: &str, now: Timestamp) -> Result<User> {
    let key = truncate(name.trim(), 64);
    // Some(seconds): the name is locked; the refusal's audit line is committed all the same.
    let locked_for = db.write(|tx| {
        let locked: Option<String> =
            tx.query_opt("SELECT locked_until FROM login_failures WHERE name = ?1", &[&key], |r| r.get(0))?.flatten();
        if let Some(until) = locked.as_deref().and_then(|u| crate::time::parse_ts(u, "locked_until").ok()) {
            if until > now {
                let seconds = (until - now).num_seconds().max(1);
                let detail = format!("refused unchecked: locked for {seconds} s after too many failed logins");
                audit::record(tx, &Actor::app(&key), Action::LoginFailed, &detail, now)?;
                return Ok(Some(seconds));
            }
        }
        // Counted as a failure until the hash says otherwise: a crash mid-check still counts.
        let failures: i64 = tx.query_row(
            "INSERT INTO login_failures (name, failures) VALUES (?1, 1)
             ON CONFLICT (name) DO UPDATE SET failures = login_failures.failures + 1 RETURNING failures",
            &[&key],
            |r| r.get(0),
        )?;
        if failures >= FREE_FAILURES {
            let until = now + lockout(failures - FREE_FAILURES + 1);
            tx.execute("UPDATE login_failures SET locked_until = ?2 WHERE name = ?1", &[&key, &fmt_ts(&until)])?;
        }
        Ok(None)
    })?;
    if let Some(seconds) = locked_for {
        return Err(Error::TooManyAttempts { seconds });
    }
    let r = verify_login(db, name, password);
    db.write(|tx| {
        match &r {
            Ok(user) => {
                tx.execute("DELETE FROM login_failures WHERE name = ?1", &[&key])?;
                let detail = format!("as {}", user.role.as_str());
                audit::record(tx, &Actor::app(&user.name), Action::Login, &detail, now)?;
            }
            Err(Error::BadCredentials) => {
                // For the managers who read the log: which of the three it was (the person at the
                // login form is told none of it).
                let login: Option<bool> = tx.query_opt(
                    "SELECT password_hash IS NOT NULL FROM users WHERE name = ?1",
                    &[&name.trim()],
                    |r| r.get(0),
                )?;
                let why = match login {
                    None => "no user of this name",
                    Some(false) => "a fax sender without a login",
                    Some(true) => "wrong password",
                };
                audit::record(tx, &Actor::app(&key), Action::LoginFailed, why, now)?;
            }
            Err(_) => {}
        }
        Ok(())
    })?;
    r
}

#[cfg(test)]
#[path = "account_tests.rs"]
mod tests;
