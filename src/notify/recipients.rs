//! Who gets the notifications: the account email gets every message; any number of other
//! addresses get every message or only one sort of them (purchases, low-credit alerts, or
//! refusals). [`addresses_for`] is what the outbox writes to, each address once.

use serde::{Deserialize, Serialize};

use super::outbox::MessageKind;
use crate::audit::{self, Action, Actor};
use crate::db::Db;
use crate::error::{Error, Result};
use crate::sql::Conn;
use crate::text::validate_email;
use crate::time::{fmt_ts, Timestamp};

/// The sort of messages an address is limited to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Only {
    /// Automatic purchases: bought, declined, not bought (the cap).
    Purchases,
    /// Low-credit alerts.
    Alerts,
    /// Faxes refused with 205000 - Quota Exceeded.
    Refusals,
}

impl Only {
    pub fn as_str(self) -> &'static str {
        match self {
            Only::Purchases => "purchases",
            Only::Alerts => "alerts",
            Only::Refusals => "refusals",
        }
    }

    pub fn parse(s: &str) -> Result<Only> {
        match s.trim().to_ascii_lowercase().as_str() {
            "purchases" => Ok(Only::Purchases),
            "alerts" => Ok(Only::Alerts),
            "refusals" => Ok(Only::Refusals),
            _ => Err(Error::invalid("only", format!("{s:?} is not purchases, alerts or refusals"))),
        }
    }

    /// Whether a message of `kind` is of this sort.
    pub fn covers(self, kind: MessageKind) -> bool {
        match self {
            Only::Purchases => matches!(kind, MessageKind::RepeatOrderSuccess | MessageKind::RepeatOrderFailure),
            Only::Alerts => kind == MessageKind::LowCredit,
            Only::Refusals => kind == MessageKind::QuotaExceeded,
        }
    }
}

/// One recipient; the account email is listed first, with `account_email` set.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Recipient {
    pub address: String,
    /// `None`: every message.
    pub only: Option<Only>,
    pub account_email: bool,
    pub added_at: Option<String>,
}

/// The account email, then every other recipient in the order they were added.
pub fn recipients(db: &Db) -> Result<Vec<Recipient>> {
    let conn = db.conn();
    let email: String = conn.query_row("SELECT email FROM account WHERE id = 1", &[], |r| r.get(0))?;
    let mut out = vec![Recipient { address: email, only: None, account_email: true, added_at: None }];
    let rows = conn.query("SELECT address, \"only\", added_at FROM recipients ORDER BY id", &[], |r| {
        Ok((r.get::<String>(0)?, r.get::<Option<String>>(1)?, r.get::<Option<String>>(2)?))
    })?;
    for (address, only, added_at) in rows {
        out.push(Recipient {
            address,
            only: only.as_deref().map(Only::parse).transpose()?,
            account_email: false,
            added_at,
        });
    }
    Ok(out)
}

/// An address as a recipient may be: what the account's own email must be, and one that the
/// SMTP library can put on an envelope, so that a message is never refused for its address.
pub fn validate_address(s: &str) -> Result<String> {
    let t = validate_email(s)?;
    t.parse::<lettre::Address>().map_err(|_| Error::invalid("email", format!("{t:?} is not an email address")))?;
    Ok(t)
}

/// Adds `address` (for every message, or `only` one sort), or changes what an existing
/// recipient gets. Returns it as stored.
pub fn add_recipient(db: &mut Db, address: &str, only: Option<Only>, by: &Actor, now: Timestamp) -> Result<Recipient> {
    let address = validate_address(address)?;
    db.write(|tx| {
        let account: String = tx.query_row("SELECT email FROM account WHERE id = 1", &[], |r| r.get(0))?;
        if account.eq_ignore_ascii_case(&address) {
            return Err(Error::invalid(
                "email",
                format!("{address} is the account email, which gets every message already"),
            ));
        }
        let before: Option<Option<String>> =
            tx.query_opt("SELECT \"only\" FROM recipients WHERE address = ?1", &[&address], |r| r.get(0))?;
        let only_s = only.map(Only::as_str);
        if before.as_ref().is_some_and(|b| b.as_deref() == only_s) {
            return stored(tx, &address); // nothing to change
        }
        tx.execute(
            "INSERT INTO recipients (address, \"only\", added_at) VALUES (?1, ?2, ?3)
             ON CONFLICT (address) DO UPDATE SET \"only\" = excluded.\"only\"",
            &[&address, &only_s, &fmt_ts(&now)],
        )?;
        let what = only.map_or_else(|| "every message".to_string(), |o| format!("{} only", o.as_str()));
        let detail = if before.is_some() { format!("{address}: now {what}") } else { format!("{address}: {what}") };
        audit::record(tx, by, Action::RecipientAdded, &detail, now)?;
        stored(tx, &address)
    })
}

fn stored(tx: Conn<'_>, address: &str) -> Result<Recipient> {
    let (address, only, added_at): (String, Option<String>, String) =
        tx.query_row("SELECT address, \"only\", added_at FROM recipients WHERE address = ?1", &[&address], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?))
        })?;
    Ok(Recipient {
        address,
        only: only.as_deref().map(Only::parse).transpose()?,
        account_email: false,
        added_at: Some(added_at),
    })
}

/// Removes a recipient (any case). The account email cannot be removed.
pub fn remove_recipient(db: &mut Db, address: &str, by: &Actor, now: Timestamp) -> Result<()> {
    let address = crate::text::validate_text("email", address, 254)?;
    db.write(|tx| {
        let account: String = tx.query_row("SELECT email FROM account WHERE id = 1", &[], |r| r.get(0))?;
        if account.eq_ignore_ascii_case(&address) {
            return Err(Error::invalid(
                "email",
                format!("{address} is the account email, which always gets every message"),
            ));
        }
        let removed: Option<String> =
            tx.query_opt("DELETE FROM recipients WHERE address = ?1 RETURNING address", &[&address], |r| r.get(0))?;
        let Some(removed) = removed else {
            return Err(Error::NotFound(format!("{address} is not a recipient")));
        };
        audit::record(tx, by, Action::RecipientRemoved, &removed, now)
    })
}

/// The addresses a message of `kind` goes to, each once (whatever its case): the account email
/// first, then the recipients in the order they were added.
pub(crate) fn addresses_for(tx: Conn<'_>, kind: MessageKind) -> Result<Vec<String>> {
    let account: String = tx.query_row("SELECT email FROM account WHERE id = 1", &[], |r| r.get(0))?;
    let mut out = vec![account];
    let rows = tx.query("SELECT address, \"only\" FROM recipients ORDER BY id", &[], |r| {
        Ok((r.get::<String>(0)?, r.get::<Option<String>>(1)?))
    })?;
    for (address, only) in rows {
        let wanted = match only.as_deref() {
            None => true,
            Some(o) => Only::parse(o)?.covers(kind),
        };
        if wanted && !out.iter().any(|a| a.eq_ignore_ascii_case(&address)) {
            out.push(address);
        }
    }
    Ok(out)
}
