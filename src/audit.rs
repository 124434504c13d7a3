//! The audit log: what the managers did to the account's settings and money, who and when.
//! Each line is written by [`record`] inside the transaction of the action it tells of, so an
//! action never commits without its line and no line tells of an action rolled back. Lines are
//! never changed or deleted (triggers forbid it).
//!
//! Who: a user logged in to the app ([`Actor::app`], also the name typed for a failed login),
//! the OS user running the command line ([`Actor::cli`]: the CLI has no login of its own, and
//! whoever can run it can write the ledger file anyway), or the system ([`Actor::system`]).

use serde::{Deserialize, Serialize};

use crate::db::Db;
use crate::error::Result;
use crate::sql::Conn;
use crate::text::truncate;
use crate::time::{fmt_ts, Timestamp};

/// Where an action came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Via {
    App,
    Cli,
    System,
}

impl Via {
    pub fn as_str(self) -> &'static str {
        match self {
            Via::App => "app",
            Via::Cli => "cli",
            Via::System => "system",
        }
    }
}

/// Who did it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Actor {
    pub name: String,
    pub via: Via,
}

impl Actor {
    /// A user of the app (the session's, or the name typed at a failed login).
    pub fn app(user: &str) -> Actor {
        Actor { name: clean(user), via: Via::App }
    }

    /// The OS user who ran the command line.
    pub fn cli(os_user: &str) -> Actor {
        Actor { name: clean(os_user), via: Via::Cli }
    }

    /// The app or the ledger acting on its own (the repeat order).
    pub fn system() -> Actor {
        Actor { name: "automatic".into(), via: Via::System }
    }
}

/// A name as the log keeps it: one line, at most 64 characters (a failed login's name is
/// whatever was typed).
fn clean(name: &str) -> String {
    let one_line: String = name.trim().chars().map(|c| if c.is_control() { ' ' } else { c }).collect();
    let t = truncate(&one_line, 64);
    if t.is_empty() {
        "(empty)".into()
    } else {
        t
    }
}

/// What was done. Stored by [`Action::as_str`]; the table takes any name, so a new action
/// needs no migration.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    Login,
    LoginFailed,
    EmailSettingsSaved,
    EmailSettingsRemoved,
    AlertsSet,
    AlertsCleared,
    RecipientAdded,
    RecipientRemoved,
    PaymentCardSaved,
    PaymentCardRemoved,
    RepeatOrderSet,
    RepeatOrderRemoved,
    RepeatOrderResumed,
    Purchase,
    /// For the rate table (issue 16, items 3): `rates set` and `rates remove`.
    RateSet,
    RateRemoved,
    /// For the account's settings (billing address, tax ID: issue 16, item 5).
    AccountSettingsSaved,
}

impl Action {
    pub fn as_str(self) -> &'static str {
        match self {
            Action::Login => "login",
            Action::LoginFailed => "login_failed",
            Action::EmailSettingsSaved => "email_settings_saved",
            Action::EmailSettingsRemoved => "email_settings_removed",
            Action::AlertsSet => "alerts_set",
            Action::AlertsCleared => "alerts_cleared",
            Action::RecipientAdded => "recipient_added",
            Action::RecipientRemoved => "recipient_removed",
            Action::PaymentCardSaved => "payment_card_saved",
            Action::PaymentCardRemoved => "payment_card_removed",
            Action::RepeatOrderSet => "repeat_order_set",
            Action::RepeatOrderRemoved => "repeat_order_removed",
            Action::RepeatOrderResumed => "repeat_order_resumed",
            Action::Purchase => "purchase",
            Action::RateSet => "rate_set",
            Action::RateRemoved => "rate_removed",
            Action::AccountSettingsSaved => "account_settings_saved",
        }
    }
}

/// Writes one line, inside the transaction of the action (the `Conn` a `Db::write` body
/// gets). `detail` says what changed in words ("Standard card, 50.00 USD, order 12"); never a
/// secret.
pub fn record(tx: Conn<'_>, by: &Actor, action: Action, detail: &str, now: Timestamp) -> Result<()> {
    tx.execute(
        "INSERT INTO audit_log (at, actor, via, action, detail) VALUES (?1, ?2, ?3, ?4, ?5)",
        &[&fmt_ts(&now), &by.name, &by.via.as_str(), &action.as_str(), &detail],
    )?;
    Ok(())
}

/// One line of the log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Entry {
    pub id: i64,
    /// RFC 3339 UTC.
    pub at: String,
    pub actor: String,
    pub via: Via,
    pub action: String,
    pub detail: String,
}

/// The newest `limit` lines older than line `before` (all when `None`), newest first.
pub fn entries(db: &Db, limit: i64, before: Option<i64>) -> Result<Vec<Entry>> {
    db.conn().query(
        "SELECT id, at, actor, via, action, detail FROM audit_log WHERE id < ?1 ORDER BY id DESC LIMIT ?2",
        &[&before.unwrap_or(i64::MAX), &limit.max(0)],
        |r| {
            let via: String = r.get(3)?;
            Ok(Entry {
                id: r.get(0)?,
                at: r.get(1)?,
                actor: r.get(2)?,
                via: match via.as_str() {
                    "cli" => Via::Cli,
                    "system" => Via::System,
                    _ => Via::App,
                },
                action: r.get(4)?,
                detail: r.get(5)?,
            })
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> Timestamp {
        crate::time::parse_ts(s, "t").unwrap()
    }

    #[test]
    fn keeps_who_did_what_and_when_newest_first_and_never_changes_a_line() {
        let mut db = Db::in_memory().unwrap();
        db.write(|tx| {
            record(tx, &Actor::app("alice"), Action::AlertsSet, "50.00, 80%", t("2026-11-01T10:00:00Z"))?;
            record(tx, &Actor::cli("root"), Action::RecipientAdded, "ap@x.example", t("2026-11-01T11:00:00Z"))
        })
        .unwrap();
        let list = entries(&db, 10, None).unwrap();
        assert_eq!(list.len(), 2);
        assert_eq!(
            (list[0].actor.as_str(), list[0].via, list[0].action.as_str()),
            ("root", Via::Cli, "recipient_added")
        );
        assert_eq!((list[1].at.as_str(), list[1].detail.as_str()), ("2026-11-01T10:00:00Z", "50.00, 80%"));
        assert_eq!(entries(&db, 10, Some(list[0].id)).unwrap(), vec![list[1].clone()]);
        assert!(db.conn().execute("UPDATE audit_log SET actor = 'mallory'", &[]).is_err());
        assert!(db.conn().execute("DELETE FROM audit_log", &[]).is_err());
    }

    #[test]
    fn a_line_rolled_back_with_its_action_is_not_kept() {
        let mut db = Db::in_memory().unwrap();
        let failed = db.write(|tx| {
            record(tx, &Actor::app("alice"), Action::Purchase, "x", t("2026-11-01T10:00:00Z"))?;
            Err::<(), _>(crate::Error::Cancelled) // the action failed after its line was written
        });
        assert!(failed.is_err());
        assert!(entries(&db, 10, None).unwrap().is_empty());
    }

    #[test]
    fn names_are_kept_on_one_line_and_short() {
        assert_eq!(Actor::app("  eve\nadmin ").name, "eve admin");
        assert_eq!(Actor::app("").name, "(empty)");
        assert_eq!(Actor::cli(&"x".repeat(100)).name.chars().count(), 65);
    }
}
