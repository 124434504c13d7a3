//! Whether the account refuses faxes now (205000 - Quota Exceeded), how many it refused since
//! its credit last grew, and, for a credit account, when the next month's credit opens (in the
//! account's zone): what the manager must see at once, and what a refused fax's sender is told
//! to wait for.

use serde::Serialize;

use crate::account::{account_in, AccountKind};
use crate::db::Db;
use crate::error::Result;
use crate::sql::Conn;
use crate::time::{fmt_ts, Timestamp};

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Refusing {
    /// No credit is left on the open cards, or a fax was refused since credit was last added:
    /// the next fax of that cost is refused too.
    pub refusing: bool,
    /// Faxes refused since credit was last added (the newest card's issue).
    pub recent: i64,
    pub last_at: Option<String>,
    /// A credit account's next month, when its new card opens.
    pub until: Option<String>,
}

pub fn refusing(db: &mut Db, now: Timestamp) -> Result<Refusing> {
    db.read(|tx| refusing_in(tx, now))
}

fn refusing_in(tx: Conn<'_>, now: Timestamp) -> Result<Refusing> {
    let account = account_in(tx)?;
    let (left, newest): (i64, Option<String>) = tx.query_row(
        "SELECT (SELECT COALESCE(sum(original_balance - used), 0) FROM cards WHERE close_date IS NULL),
                (SELECT max(issue_date) FROM cards)",
        &[],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?;
    let since = newest.unwrap_or_default();
    let (recent, last_at): (i64, Option<String>) =
        tx.query_row("SELECT count(*), max(at) FROM attempts WHERE at >= ?1", &[&since], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })?;
    let refusing = left == 0 || recent > 0;
    let until = match refusing && account.kind == AccountKind::Credit {
        true => Some(fmt_ts(&crate::account::time_zone(tx)?.start_of_next_month(&now))),
        false => None,
    };
    Ok(Refusing { refusing, recent, last_at, until })
}
