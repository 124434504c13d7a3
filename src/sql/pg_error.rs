//! PostgreSQL's errors as the ledger's: a lost connection or a refused login is
//! `database_unavailable`; a serialization failure or deadlock is retried by the write
//! transaction ([`retryable`]).

use postgres::error::SqlState;

use crate::error::Error;

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
