//! The PostgreSQL side of the seam: a connection with its prepared statements (one per SQL
//! text, prepared on first use), SQLite's `?1` placeholders written as PostgreSQL's `$1`, and the
//! server's errors turned into the ledger's: a lost connection or a refused login is
//! `database_unavailable`, a serialization failure or deadlock is retried by the write
//! transaction ([`retryable`]).

use std::cell::{Cell, RefCell};
use std::collections::HashMap;

use postgres::error::SqlState;
use postgres::{Client, Statement};

use crate::error::{Error, Result};

/// An open connection to the account's schema.
pub struct PgConn {
    client: RefCell<Client>,
    statements: RefCell<HashMap<String, Statement>>,
    /// A statement failed since the transaction began. PostgreSQL then refuses every statement
    /// until the transaction ends and answers `COMMIT` with a rollback, not an error: the
    /// transaction runner checks this before committing, so nothing is acknowledged that was not
    /// written.
    failed: Cell<bool>,
    /// The URL without its password, for errors.
    pub(crate) shown: String,
}

impl PgConn {
    pub fn new(client: Client, shown: String) -> PgConn {
        PgConn { client: RefCell::new(client), statements: RefCell::default(), failed: Cell::new(false), shown }
    }

    /// The client, for one call. A second borrow can only come from running SQL inside a row
    /// callback of a query on the same connection, which the seam never does.
    pub(super) fn client(&self) -> Result<std::cell::RefMut<'_, Client>> {
        self.client
            .try_borrow_mut()
            .map_err(|_| Error::Invariant("a PostgreSQL statement ran inside another one's row callback".into()))
    }

    /// The prepared statement of `sql` (written with `?1` or `?` placeholders), prepared on
    /// first use.
    pub(super) fn statement(&self, sql: &str) -> Result<Statement> {
        if let Some(st) = self.statements.borrow().get(sql) {
            return Ok(st.clone());
        }
        let st = self.client()?.prepare(&placeholders(sql)).map_err(|e| self.failed(e))?;
        self.statements.borrow_mut().insert(sql.to_string(), st.clone());
        Ok(st)
    }

    /// Runs statements of SQL text with no parameters (schema, `BEGIN`, `COMMIT`).
    pub(crate) fn batch(&self, sql: &str) -> Result<()> {
        self.client()?.batch_execute(sql).map_err(|e| self.failed(e))
    }

    /// Notes that a statement failed (see `failed`) and turns its error into the ledger's.
    pub(super) fn failed(&self, e: postgres::Error) -> Error {
        self.failed.set(true);
        error(e)
    }

    /// Notes that the transaction cannot commit though no statement answered with an error
    /// (a `COPY` abandoned midway).
    pub(super) fn mark_failed(&self) {
        self.failed.set(true);
    }

    /// Whether a statement failed since the last call, which starts the count again.
    pub(crate) fn take_failed(&self) -> bool {
        self.failed.replace(false)
    }

    /// Forgets the prepared statements: after a migration changed the tables they read.
    pub(crate) fn forget_statements(&self) {
        self.statements.borrow_mut().clear();
    }

    pub(crate) fn is_closed(&self) -> bool {
        self.client.try_borrow().map(|c| c.is_closed()).unwrap_or(false)
    }
}

/// `?1`, `?2`… (and bare `?`, numbered in order) as `$1`, `$2`…, outside quoted text and comments.
pub fn placeholders(sql: &str) -> String {
    let mut out = String::with_capacity(sql.len() + 8);
    let mut next = 1;
    let mut chars = sql.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\'' | '"' => {
                out.push(c);
                for q in chars.by_ref() {
                    out.push(q);
                    if q == c {
                        break;
                    }
                }
            }
            '-' if chars.peek() == Some(&'-') => {
                out.push(c);
                for q in chars.by_ref() {
                    out.push(q);
                    if q == '\n' {
                        break;
                    }
                }
            }
            '?' => {
                let mut digits = String::new();
                while let Some(d) = chars.peek().filter(|d| d.is_ascii_digit()) {
                    digits.push(*d);
                    chars.next();
                }
                out.push('$');
                if digits.is_empty() {
                    out.push_str(&next.to_string());
                    next += 1;
                } else {
                    out.push_str(&digits);
                }
            }
            _ => out.push(c),
        }
    }
    out
}

/// Whether the transaction should run again from its start: a serialization failure or a
/// deadlock (the answers that CockroachDB and YugabyteDB give for any conflict, too).
pub fn retryable(e: &postgres::Error) -> bool {
    matches!(e.code(), Some(c) if *c == SqlState::T_R_SERIALIZATION_FAILURE || *c == SqlState::T_R_DEADLOCK_DETECTED)
}

/// The ledger's error for a PostgreSQL error.
pub fn error(e: postgres::Error) -> Error {
    if let Some(db) = e.as_db_error() {
        let code = db.code().code();
        let class = &code[..2];
        return match class {
            "28" => Error::Unavailable(format!("the server refused the login: {}", db.message())),
            "08" => Error::Unavailable(format!("the connection failed: {}", db.message())),
            // Shutting down, restarting, or this session cancelled by an administrator.
            "57" => Error::Unavailable(format!("the server ended the session: {}", db.message())),
            "3D" => Error::Unavailable(format!("no such database: {}", db.message())),
            "25" if code == "25006" => Error::ReadOnly(db.message().to_string()),
            "53" => Error::Unavailable(format!("the server is out of resources: {}", db.message())),
            _ => Error::Pg(e),
        };
    }
    if e.is_closed() || std::error::Error::source(&e).is_some_and(|s| s.is::<std::io::Error>()) {
        return Error::Unavailable(format!(
            "the connection to the server was lost ({e}); what was not acknowledged was not written"
        ));
    }
    Error::Pg(e)
}

#[cfg(test)]
mod tests {
    use super::placeholders;

    #[test]
    fn writes_sqlite_placeholders_as_postgres_ones_outside_text_and_comments() {
        assert_eq!(
            placeholders("SELECT a FROM t WHERE b = ?1 AND c = ?12"),
            "SELECT a FROM t WHERE b = $1 AND c = $12"
        );
        assert_eq!(placeholders("VALUES (?, ?, ?)"), "VALUES ($1, $2, $3)");
        assert_eq!(placeholders("SELECT '?1', \"a?\" -- what?\n, ?2"), "SELECT '?1', \"a?\" -- what?\n, $2");
        assert_eq!(placeholders("SELECT 'it''s ?' || ?1"), "SELECT 'it''s ?' || $1");
    }
}
