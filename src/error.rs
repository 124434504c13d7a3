//! Typed errors with stable codes. Front ends branch on [`Error::code`], never on message text;
//! the CLI maps each code to its documented exit code.

use std::fmt;

/// Every error the core can return. The `Display` text is one clear line for a person; the
/// code is the stable name for programs.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// InterFAX's own refusal: the open cards cannot pay for the fax.
    #[error("205000 - Quota Exceeded: the open cards hold {available}, the fax costs {cost}")]
    QuotaExceeded { cost: String, available: String },
    /// The fax id was billed before with a different value in `field`.
    #[error("fax {fax_id} was already billed with a different {field} ({existing} then, {given} now)")]
    ExistsWithDifferent { fax_id: String, field: &'static str, existing: String, given: String },
    /// Input that cannot be accepted; `field` names what is wrong.
    #[error("{field}: {message}")]
    Invalid { field: String, message: String },
    #[error("{0}")]
    NotFound(String),
    #[error("{0}")]
    Forbidden(String),
    #[error("wrong user name or password")]
    BadCredentials,
    #[error("too many failed logins for this user name: try again in {seconds} seconds")]
    TooManyAttempts { seconds: i64 },
    #[error("this is a credit account: {0} is only for prepaid accounts")]
    NotPrepaid(String),
    #[error("{0}")]
    Conflict(String),
    #[error("no database at {0}; create one with `faxcredit init` or `faxcredit demo`")]
    NoDatabase(String),
    #[error("the database has no account yet; create one with `faxcredit init` or `faxcredit demo`")]
    NotInitialized,
    #[error("the database already holds an account ({0})")]
    AlreadyInitialized(String),
    #[error("{0} is not a Fax Credit database (not an SQLite file, or damaged)")]
    NotADatabase(String),
    #[error("the database was written by a newer version of Fax Credit (schema {found}, this program knows up to {known}); upgrade the program")]
    NewerSchema { found: i64, known: i64 },
    #[error("the database is read-only: {0}")]
    ReadOnly(String),
    /// The ledger's files were removed or replaced by another program while this one had them
    /// open; nothing more was written through the old connection.
    #[error(
        "the ledger's files changed under this program ({0}); nothing was written: the ledger must be opened again"
    )]
    LedgerReplaced(String),
    #[error("the database is busy (locked by another program) and did not free up in time")]
    Busy,
    #[error("cancelled")]
    Cancelled,
    #[error("no system keyring is available, so nothing was stored: {0}")]
    KeyringUnavailable(String),
    #[error("no payment card is on file: add one in Settings → Payment method (or `faxcredit payment-card set`)")]
    NoPaymentCard,
    /// The processor declined the charge; `reason` is in words for the manager.
    #[error("{reason}")]
    PaymentDeclined { code: String, reason: String },
    /// The processor did not answer; the order stays pending and is checked again at start-up.
    #[error("the payment processor did not answer ({0}); the order is pending and will be checked again, it cannot be charged twice")]
    PaymentPending(String),
    #[error("email is not set up: enter the SMTP server in Settings → Email (or `faxcredit email set`)")]
    EmailNotConfigured,
    /// A user name and password would go to a remote SMTP server without encryption.
    #[error("security none would send the SMTP user name and password to {0} in clear text: choose STARTTLS (port 587) or TLS (port 465); a login without encryption is only allowed for a server on this machine (localhost)")]
    InsecureSmtpLogin(String),
    /// The SMTP server refused or could not be reached; the text is the server's answer.
    #[error("the mail server did not take the message: {0}")]
    Smtp(String),
    #[error("ledger invariant broken: {0}")]
    Invariant(String),
    #[error("i/o error: {0}")]
    Io(#[from] std::io::Error),
    #[error("database error: {0}")]
    Db(rusqlite::Error),
    /// A PostgreSQL ledger that cannot be reached or used: a malformed URL, a refused
    /// connection, a refused login, a TLS failure, a server gone mid-transaction.
    #[error("database unavailable: {0}")]
    Unavailable(String),
    #[error("database error: {}", pg_message(.0))]
    Pg(postgres::Error),
    /// A command whose module still runs on SQLite only (issue 15 ports them one by one).
    #[error("{0} does not work on a PostgreSQL ledger yet")]
    NotOnPostgres(String),
}

/// The server's own words for a PostgreSQL error (with its detail), else the client's.
fn pg_message(e: &postgres::Error) -> String {
    match e.as_db_error() {
        Some(db) => match db.detail() {
            Some(d) => format!("{} ({d}) [SQLSTATE {}]", db.message(), db.code().code()),
            None => format!("{} [SQLSTATE {}]", db.message(), db.code().code()),
        },
        None => e.to_string(),
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    pub fn invalid(field: impl Into<String>, message: impl Into<String>) -> Self {
        Error::Invalid { field: field.into(), message: message.into() }
    }

    /// The stable code of this error (DESIGN.md §3).
    pub fn code(&self) -> String {
        match self {
            Error::QuotaExceeded { .. } => "quota_exceeded".into(),
            Error::ExistsWithDifferent { field, .. } => format!("exists_with_different_{field}"),
            Error::Invalid { .. } => "invalid_input".into(),
            Error::NotFound(_) => "not_found".into(),
            Error::Forbidden(_) => "forbidden".into(),
            Error::BadCredentials => "bad_credentials".into(),
            Error::TooManyAttempts { .. } => "too_many_attempts".into(),
            Error::NotPrepaid(_) => "not_prepaid".into(),
            Error::Conflict(_) => "conflict".into(),
            Error::NoDatabase(_) => "no_database".into(),
            Error::NotInitialized => "not_initialized".into(),
            Error::AlreadyInitialized(_) => "already_initialized".into(),
            Error::NotADatabase(_) => "not_a_database".into(),
            Error::NewerSchema { .. } => "newer_schema".into(),
            Error::ReadOnly(_) => "read_only".into(),
            Error::Busy => "busy".into(),
            Error::LedgerReplaced(_) => "ledger_replaced".into(),
            Error::Cancelled => "cancelled".into(),
            Error::EmailNotConfigured => "email_not_configured".into(),
            Error::InsecureSmtpLogin(_) => "insecure_smtp_login".into(),
            Error::KeyringUnavailable(_) => "keyring_unavailable".into(),
            Error::NoPaymentCard => "no_payment_card".into(),
            Error::PaymentDeclined { .. } => "payment_declined".into(),
            Error::PaymentPending(_) => "payment_pending".into(),
            Error::Smtp(_) => "smtp_failed".into(),
            Error::Invariant(_) => "invariant_broken".into(),
            Error::Io(_) => "io_error".into(),
            Error::Db(_) | Error::Pg(_) => "database_error".into(),
            Error::Unavailable(_) => "database_unavailable".into(),
            Error::NotOnPostgres(_) => "not_on_postgres".into(),
        }
    }

    /// The CLI exit code of DESIGN.md §4.
    pub fn exit_code(&self) -> i32 {
        match self {
            Error::Invalid { .. }
            | Error::NotFound(_)
            | Error::NoDatabase(_)
            | Error::NotInitialized
            | Error::AlreadyInitialized(_)
            | Error::NotADatabase(_)
            | Error::Conflict(_)
            | Error::EmailNotConfigured
            | Error::InsecureSmtpLogin(_)
            | Error::NoPaymentCard => 2,
            Error::QuotaExceeded { .. } => 3,
            Error::ExistsWithDifferent { .. } => 4,
            Error::Forbidden(_) | Error::NotPrepaid(_) | Error::BadCredentials | Error::TooManyAttempts { .. } => 5,
            Error::PaymentDeclined { .. } => 6,
            Error::KeyringUnavailable(_) => 7,
            Error::LedgerReplaced(_) | Error::Unavailable(_) => 8,
            _ => 1,
        }
    }
}

impl From<rusqlite::Error> for Error {
    fn from(e: rusqlite::Error) -> Self {
        use rusqlite::ffi::ErrorCode;
        if let rusqlite::Error::SqliteFailure(f, ref msg) = e {
            match f.code {
                ErrorCode::NotADatabase => return Error::NotADatabase("the database file".into()),
                ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked => return Error::Busy,
                ErrorCode::ReadOnly => return Error::ReadOnly(msg.clone().unwrap_or_else(|| "cannot write".into())),
                ErrorCode::DatabaseCorrupt => return Error::NotADatabase("the database file (corrupt)".into()),
                // Our commit hook refused the commit: the files are no longer the ones we opened.
                ErrorCode::ConstraintViolation if f.extended_code == rusqlite::ffi::SQLITE_CONSTRAINT_COMMITHOOK => {
                    return Error::LedgerReplaced("the ledger's files were removed or replaced".into())
                }
                _ => {}
            }
        }
        Error::Db(e)
    }
}

/// The `{code, message}` pair that front ends serialize, with what a form needs to put the
/// error beside its field in its own words: the field (`invalid_input`) and, for a lockout, the
/// seconds to wait. Both are left out of the JSON when absent.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize, PartialEq, Eq)]
pub struct ErrorBody {
    pub code: String,
    pub message: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retry_after: Option<i64>,
}

impl ErrorBody {
    pub fn new(code: impl Into<String>, message: impl Into<String>) -> ErrorBody {
        ErrorBody { code: code.into(), message: message.into(), field: None, retry_after: None }
    }

    /// A failure of the front end's own machinery (a window, a menu, a task that panicked), not
    /// of the ledger: `internal`, with what it said.
    pub fn internal(e: impl std::fmt::Display) -> ErrorBody {
        ErrorBody::new("internal", e.to_string())
    }
}

impl From<&Error> for ErrorBody {
    fn from(e: &Error) -> Self {
        let mut body = ErrorBody::new(e.code(), e.to_string());
        match e {
            Error::Invalid { field, .. } => body.field = Some(field.clone()),
            Error::TooManyAttempts { seconds } => body.retry_after = Some(*seconds),
            _ => {}
        }
        body
    }
}

impl fmt::Display for ErrorBody {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({})", self.message, self.code)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_error_body_names_the_field_and_the_wait_and_leaves_them_out_otherwise() {
        let invalid = serde_json::to_value(ErrorBody::from(&Error::invalid("number", "x"))).unwrap();
        assert_eq!(invalid, serde_json::json!({"code": "invalid_input", "message": "number: x", "field": "number"}));
        let locked = serde_json::to_value(ErrorBody::from(&Error::TooManyAttempts { seconds: 42 })).unwrap();
        assert_eq!(locked["retry_after"], 42);
        let plain = serde_json::to_value(ErrorBody::from(&Error::BadCredentials)).unwrap();
        assert_eq!(plain.as_object().unwrap().len(), 2, "{plain}");
    }
}
