//! Live updates on PostgreSQL: every write transaction sends `NOTIFY` on its ledger's channel in
//! the round trip of its `COMMIT` (`PgConn::announce_writes`), so the server delivers it when
//! the write commits and never for one rolled back; a [`Listener`] is a connection of its own
//! that `LISTEN`s on that channel and says when a commit was heard. It does for a shared ledger
//! what `PRAGMA data_version` does for a SQLite file: tell the app that another program (a
//! gateway's `faxcredit bill`, another desk) changed the ledger.
//!
//! Why the write path and not a statement trigger on every table: one place covers every write
//! of every program built on the seam, with no migration of both engines' schemas, one
//! notification per transaction instead of one per statement, and no extra round trip. What a
//! person changes by hand with `psql` is not announced (the app shows it at its next reload).
//! The cost: PostgreSQL takes one lock for the whole cluster while a notifying transaction
//! commits, so such commits no longer overlap across accounts (writers of one account already
//! queue on its account row).

use std::time::Duration;

use postgres::fallible_iterator::FallibleIterator;
use postgres::Client;

use crate::db::location::PgUrl;
use crate::error::{Error, Result};

/// The channel of the ledger in `schema`: one per account, so a desk hears its own account's
/// writes and no other's. PostgreSQL's names are at most 63 bytes; a schema too long for the
/// prefix is shortened and told apart from others by a hash of its whole name.
pub fn channel(schema: &str) -> String {
    const PREFIX: &str = "faxcredit_";
    if PREFIX.len() + schema.len() <= 63 {
        return format!("{PREFIX}{schema}");
    }
    // FNV-1a: the same in every process and every build, as both ends of the channel need.
    let hash = schema.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3));
    format!("{PREFIX}{}_{hash:016x}", &schema[..36])
}

/// A connection that listens for the commits of a PostgreSQL ledger.
pub struct Listener {
    client: Client,
    shown: String,
}

impl std::fmt::Debug for Listener {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Listener").field("ledger", &self.shown).finish()
    }
}

impl Listener {
    /// Connects as the ledger's own connections do and listens on its channel.
    pub(crate) fn open(url: &PgUrl) -> Result<Listener> {
        let mut client = super::connect_client(url)?;
        client.batch_execute(&format!("LISTEN \"{}\"", channel(&url.schema))).map_err(|e| lost(&url.shown, &e))?;
        Ok(Listener { client, shown: url.shown.clone() })
    }

    /// Waits up to `timeout` for a write to be committed; `true` when at least one was since the
    /// last call (all those heard are taken at once). `database_unavailable` when the connection
    /// is lost: what was committed meanwhile was not heard, so the caller should treat the
    /// ledger as changed and listen again on a new connection.
    pub fn wait(&mut self, timeout: Duration) -> Result<bool> {
        let shown = &self.shown;
        let heard = {
            let mut notes = self.client.notifications();
            let heard = notes.timeout_iter(timeout).next().map_err(|e| lost(shown, &e))?.is_some();
            if heard {
                // The rest already here, without waiting: one answer for a burst of commits.
                while notes.iter().next().map_err(|e| lost(shown, &e))?.is_some() {}
            }
            heard
        };
        if !heard && self.client.is_closed() {
            return Err(Error::Unavailable(format!("{}: the connection listening for changes was closed", self.shown)));
        }
        Ok(heard)
    }
}

fn lost(shown: &str, e: &postgres::Error) -> Error {
    Error::Unavailable(format!("{shown}: the connection listening for changes was lost: {e}"))
}

#[cfg(test)]
mod tests {
    use super::channel;

    #[test]
    fn each_schema_has_its_own_channel_within_postgresql_name_length() {
        assert_eq!(channel("acme"), "faxcredit_acme");
        let long_a = format!("{}a", "x".repeat(62));
        let long_b = format!("{}b", "x".repeat(62));
        for c in [channel(&long_a), channel(&long_b), channel(&"y".repeat(53))] {
            assert!(c.len() <= 63, "{c}");
        }
        assert_ne!(channel(&long_a), channel(&long_b), "a shortened name keeps the schemas apart");
        assert_eq!(channel(&long_a), channel(&long_a));
    }
}
