//! Fax rows written without waiting for the server (PostgreSQL). A new fax's row must exist
//! before its activity lines, which name its `seq`, and a fax billed before must be told apart
//! from a new one: on SQLite, an insert that reports its conflict and its rowid answers both at no
//! cost. On PostgreSQL that answer is a round trip per fax, so a transaction that knows which
//! faxes it is about to bill asks first, in the round trip of its other first reads, which of
//! their ids the ledger holds, and reserves a `seq` for each of the others from the table's
//! sequence. Those rows are then queued with their lines (`Conn::execute_later`), and a fax's
//! billing costs no round trip of its own.
//!
//! Why this is safe: the reads run after the account's lock, which every write transaction
//! takes first, so no other program can bill one of these ids before this transaction ends. An
//! id is numbered once: if it comes again in the same transaction, or was not asked about, it
//! takes the insert that reports its conflict, as on SQLite. Reserved numbers that go unused
//! (a refusal, a rollback) leave gaps in `seq`, which nothing reads as a count.

use std::collections::HashSet;

use crate::error::Result;
use crate::sql::{Backend, Conn, ToValue, Value};

/// Whether one fax's id is in the ledger: a probe of the id index, which the planner always
/// prefers for the equality of a unique column.
const PRESENT_ONE: &str = "SELECT id FROM faxes WHERE id = ?1";
/// Which of a JSON array's ids (a batch) are in the ledger: a probe of the id index each on a
/// ledger of any size (`IN (SELECT …)` was planned as a hash join over every fax on a new
/// ledger; on a small one this may be a scan, once a batch).
const PRESENT_MANY: &str =
    "SELECT id FROM faxes WHERE id = ANY (ARRAY(SELECT jsonb_array_elements_text(CAST(CAST(?1 AS TEXT) AS jsonb))))";
/// `?1` numbers from the fax table's sequence.
const RESERVE: &str =
    "SELECT nextval(pg_get_serial_sequence('faxes', 'seq')) FROM generate_series(1, CAST(?1 AS BIGINT))";
/// A fax's row with the `seq` reserved for it.
pub(super) const INSERT_NUMBERED: &str =
    "INSERT INTO faxes (seq, id, user_id, destination, submit_time, completion_time, pages_submitted,
        pages_sent, duration, units_given, cpu_given, status, subject, attempts_made,
        units, cost_per_unit, cost, billed_at)
     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18)";

/// The ids asked about and found new, and the numbers reserved for them.
pub(super) struct Numbered {
    new: HashSet<String>,
    /// In the sequence's order, the next one last.
    seqs: Vec<i64>,
}

/// The two reads for `ids`: which are in the ledger, and how many numbers to reserve.
pub(super) struct Ask {
    pub present: &'static str,
    /// The one id, or the ids as a JSON array.
    pub ids: Value<'static>,
    pub count: Value<'static>,
}

impl Ask {
    /// The two reads, with their parameters, to send ahead.
    pub(super) fn reads(&self) -> [(&'static str, [&dyn ToValue; 1]); 2] {
        [(self.present, [&self.ids]), (RESERVE, [&self.count])]
    }
}

/// The reads for `ids`; `None` on SQLite, or for no ids.
pub(super) fn ask(tx: Conn<'_>, ids: &[&str]) -> Option<Ask> {
    if tx.backend() != Backend::Postgres || ids.is_empty() {
        return None;
    }
    let (present, ids_value) = match ids {
        [one] => (PRESENT_ONE, Value::Text((*one).to_string().into())),
        _ => (PRESENT_MANY, Value::Text(serde_json::to_string(ids).ok()?.into())),
    };
    Some(Ask { present, ids: ids_value, count: i64::try_from(ids.len()).ok()?.to_value().into_owned() })
}

impl Numbered {
    /// Reads the answers of the two reads (sent ahead with the others, by the caller).
    pub(super) fn read(tx: Conn<'_>, ids: &[&str], ask: &Ask) -> Result<Numbered> {
        let present: HashSet<String> = tx.query(ask.present, &[&ask.ids], |r| r.get(0))?.into_iter().collect();
        let mut seqs: Vec<i64> = tx.query(RESERVE, &[&ask.count], |r| r.get(0))?;
        seqs.sort_unstable_by(|a, b| b.cmp(a));
        let new = ids.iter().filter(|id| !present.contains(**id)).map(|id| (*id).to_string()).collect();
        Ok(Numbered { new, seqs })
    }

    /// The number for a fax of this id, when its row can be queued: asked about, found new,
    /// and not numbered before.
    pub(super) fn take(&mut self, id: &str) -> Option<i64> {
        if !self.new.remove(id) {
            return None;
        }
        self.seqs.pop()
    }
}
