//! The seam where a payment processor plugs in, and the embedded sandbox processor.
//!
//! The sandbox behaves like a real processor, not like a mock: it keeps its own idempotency
//! records outside the ledger (it stands for a service outside our process, so a crash of ours
//! never loses a charge it made), answers a repeated key with the first answer, approves valid
//! cards and declines Stripe's public test numbers as Stripe does. It never moves real money.
//! Its records are a SQLite file beside a SQLite ledger, and a schema of their own beside a
//! PostgreSQL ledger on its server, so that every gateway sharing the ledger reaches the same
//! processor, as they would a real one.

use std::path::{Path, PathBuf};
use std::time::Duration;

use rusqlite::{Connection, TransactionBehavior};

use super::payment_method::StoredCard;
use crate::db::{Location, PgUrl};
use crate::error::{Error, Result};
use crate::sql::Conn;

/// One charge: `key` makes it idempotent (the same key never charges twice).
#[derive(Debug)]
pub struct ChargeRequest<'a> {
    pub key: &'a str,
    /// Ten-thousandths of `currency`.
    pub amount: i64,
    pub currency: &'a str,
    pub card: &'a StoredCard,
    pub description: &'a str,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChargeOutcome {
    Approved {
        charge_id: String,
    },
    /// `code` is the processor's decline code; `reason` says it in words for the manager.
    Declined {
        code: String,
        reason: String,
    },
}

/// A processor. `Err(PaymentPending)` means the outcome is unknown (timeout, connection lost):
/// the caller must keep the order pending and ask again later with the same key.
pub trait PaymentGateway: Send + Sync {
    fn charge(&self, req: &ChargeRequest<'_>) -> Result<ChargeOutcome>;
}

impl<T: PaymentGateway + ?Sized> PaymentGateway for std::sync::Arc<T> {
    fn charge(&self, req: &ChargeRequest<'_>) -> Result<ChargeOutcome> {
        (**self).charge(req)
    }
}

/// Faults the sandbox can be told to inject, for tests of the purchase protocol.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    None,
    /// Never answers: no charge is made and the caller sees a timeout.
    Timeout,
    /// Refuses the connection before charging.
    FailBefore,
    /// Charges, then the answer is lost: the caller sees a timeout, the charge stands.
    FailAfter,
}

impl Fault {
    /// `FAXCREDIT_SANDBOX_FAULT=timeout|fail-before|fail-after`, read by the front ends only.
    pub fn from_env() -> Fault {
        match std::env::var("FAXCREDIT_SANDBOX_FAULT").as_deref() {
            Ok("timeout") => Fault::Timeout,
            Ok("fail-before") => Fault::FailBefore,
            Ok("fail-after") => Fault::FailAfter,
            _ => Fault::None,
        }
    }
}

pub struct Sandbox {
    records: Records,
    fault: Fault,
}

/// Where the sandbox keeps its idempotency records.
enum Records {
    /// `<ledger>.sandbox-payments`, beside a SQLite ledger.
    File(PathBuf),
    /// The schema `"<schema>.sandbox-payments"` on a PostgreSQL ledger's server (a name no
    /// account's schema can have: those are lower-case letters, digits and `_`).
    Server(Box<PgUrl>),
}

impl std::fmt::Debug for Sandbox {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let at = match &self.records {
            Records::File(p) => p.display().to_string(),
            Records::Server(url) => format!("{} ({})", url.shown, server_schema(url)),
        };
        f.debug_struct("Sandbox").field("records", &at).field("fault", &self.fault).finish()
    }
}

/// The schema of the sandbox's records beside the ledger of `url`.
fn server_schema(url: &PgUrl) -> String {
    format!("{}.sandbox-payments", url.schema)
}

/// The advisory lock that serialises the sandbox's charges on a server ("SBXP"; the second key
/// is the schema's name, hashed), as `BEGIN IMMEDIATE` does on its file.
const SERVER_LOCK: i32 = 0x5342_5850;

/// Stripe's documented test numbers and their answers.
fn stripe_decline(number: &str) -> Option<(&'static str, &'static str)> {
    Some(match number {
        "4000000000000002" => ("card_declined", "Your card was declined."),
        "4000000000009995" => ("insufficient_funds", "Your card was declined: insufficient funds."),
        "4000000000009987" => ("lost_card", "Your card was declined: the card was reported lost."),
        "4000000000000069" => ("expired_card", "Your card was declined: the card has expired."),
        "4000000000000119" => {
            ("processing_error", "An error occurred while processing your card. Try again in a little bit.")
        }
        "4000000000000341" => ("card_declined", "Your card was declined."),
        _ => return None,
    })
}

impl Sandbox {
    /// The sandbox whose records live beside the ledger `db` (`<db>.sandbox-payments`).
    pub fn beside(db: &Path, fault: Fault) -> Sandbox {
        let mut name = db.file_name().map(|n| n.to_os_string()).unwrap_or_default();
        name.push(".sandbox-payments");
        Sandbox { records: Records::File(db.with_file_name(name)), fault }
    }

    /// The sandbox of the ledger at `at`: beside its file, or on its PostgreSQL server.
    pub fn for_ledger(at: &Location, fault: Fault) -> Sandbox {
        match at {
            Location::File(path) => Sandbox::beside(path, fault),
            Location::Postgres(url) => Sandbox { records: Records::Server(url.clone()), fault },
        }
    }

    /// The file of the records of a sandbox beside a SQLite ledger; empty for one on a
    /// PostgreSQL server.
    pub fn path(&self) -> &Path {
        match &self.records {
            Records::File(p) => p,
            Records::Server(_) => Path::new(""),
        }
    }

    fn open(&self, path: &Path) -> Result<Connection> {
        // Several processes may open a new file at once: switching it to WAL and creating the
        // table can meet a lock the busy handler does not wait for. Try again for a while.
        let mut attempt = 0;
        loop {
            match Self::try_open(path) {
                Err(Error::Busy) if attempt < 200 => {
                    attempt += 1;
                    std::thread::sleep(Duration::from_millis(10 + attempt % 7));
                }
                r => return r,
            }
        }
    }

    fn try_open(path: &Path) -> Result<Connection> {
        let existed = path.exists();
        let mut conn = Connection::open(path)?;
        conn.busy_timeout(Duration::from_secs(30))?;
        if !existed {
            restrict(path);
        }
        conn.execute_batch("PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL;")?;
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        tx.execute_batch(
            "CREATE TABLE IF NOT EXISTS charges (
                 key TEXT PRIMARY KEY, amount INTEGER NOT NULL, currency TEXT NOT NULL,
                 last4 TEXT NOT NULL, approved INTEGER NOT NULL, charge_id TEXT,
                 code TEXT, reason TEXT, seq INTEGER NOT NULL)",
        )?;
        tx.commit()?;
        Ok(conn)
    }

    /// How many charges the sandbox approved: for tests that prove nothing was charged twice.
    pub fn approved_charges(&self) -> Result<i64> {
        Ok(self.approved_keys()?.len() as i64)
    }

    /// Every approved charge's key, in the order they were charged.
    pub fn approved_keys(&self) -> Result<Vec<String>> {
        let sql = |table: &str| format!("SELECT key FROM {table} WHERE approved = 1 ORDER BY seq");
        match &self.records {
            Records::File(path) if !path.exists() => Ok(Vec::new()),
            Records::File(path) => Conn::from(&self.open(path)?).query(&sql("charges"), &[], |r| r.get(0)),
            Records::Server(url) => {
                let pg = crate::db::pg_session(url)?;
                let conn = Conn::from(&pg);
                let table = format!("\"{}\".charges", server_schema(url));
                let exists: bool = conn.query_row("SELECT to_regclass(?1) IS NOT NULL", &[&table], |r| r.get(0))?;
                if !exists {
                    return Ok(Vec::new());
                }
                conn.query(&sql(&table), &[], |r| r.get(0))
            }
        }
    }

    /// Runs `charge` on the records in one transaction that holds the sandbox's lock.
    fn locked<T>(&self, charge: impl Fn(Conn<'_>, &str) -> Result<T>) -> Result<T> {
        match &self.records {
            Records::File(path) => {
                let mut conn = self.open(path)?;
                let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
                let out = charge(Conn::from(&tx), "charges")?;
                tx.commit()?;
                Ok(out)
            }
            Records::Server(url) => {
                let pg = crate::db::pg_session(url)?;
                let schema = server_schema(url);
                pg.batch("BEGIN")?;
                let done = (|| {
                    let conn = Conn::from(&pg);
                    conn.execute("SELECT pg_advisory_xact_lock(?1, hashtext(?2))", &[&SERVER_LOCK, &schema])?;
                    pg.batch(&format!(
                        "CREATE SCHEMA IF NOT EXISTS \"{schema}\";
                         CREATE TABLE IF NOT EXISTS \"{schema}\".charges (
                             key TEXT PRIMARY KEY, amount BIGINT NOT NULL, currency TEXT NOT NULL,
                             last4 TEXT NOT NULL, approved BIGINT NOT NULL, charge_id TEXT,
                             code TEXT, reason TEXT, seq BIGINT NOT NULL)"
                    ))?;
                    let out = charge(conn, &format!("\"{schema}\".charges"))?;
                    if pg.take_failed() {
                        return Err(Error::Invariant("a statement of the sandbox's charge failed".into()));
                    }
                    pg.batch("COMMIT")?;
                    Ok(out)
                })();
                if done.is_err() {
                    let _ = pg.batch("ROLLBACK");
                }
                done
            }
        }
    }
}

/// The answer to `req`: the first answer given to its key, or a new charge recorded in `table`
/// (the caller holds the sandbox's lock).
fn charge_in(conn: Conn<'_>, table: &str, req: &ChargeRequest<'_>) -> Result<ChargeOutcome> {
    let first = conn.query_opt(
        &format!("SELECT amount, approved, charge_id, code, reason FROM {table} WHERE key = ?1"),
        &[&req.key],
        |r| {
            Ok((
                r.get::<i64>(0)?,
                r.get::<bool>(1)?,
                r.get::<Option<String>>(2)?,
                r.get::<Option<String>>(3)?,
                r.get::<Option<String>>(4)?,
            ))
        },
    )?;
    if let Some((amount, approved, charge_id, code, reason)) = first {
        // As Stripe: a key reused for a different amount is an error, not a new charge.
        if amount != req.amount {
            return Err(Error::Conflict(format!("idempotency key {} was used for a different amount", req.key)));
        }
        return Ok(if approved {
            ChargeOutcome::Approved { charge_id: charge_id.unwrap_or_default() }
        } else {
            ChargeOutcome::Declined { code: code.unwrap_or_default(), reason: reason.unwrap_or_default() }
        });
    }
    let seq: i64 = conn.query_row(&format!("SELECT coalesce(max(seq), 0) + 1 FROM {table}"), &[], |r| r.get(0))?;
    let outcome = match stripe_decline(&req.card.number) {
        Some((code, reason)) => ChargeOutcome::Declined { code: code.into(), reason: reason.into() },
        None => ChargeOutcome::Approved { charge_id: format!("ch_sandbox_{seq:08}") },
    };
    let (approved, charge_id, code, reason) = match &outcome {
        ChargeOutcome::Approved { charge_id } => (true, Some(charge_id.as_str()), None, None),
        ChargeOutcome::Declined { code, reason } => (false, None, Some(code.as_str()), Some(reason.as_str())),
    };
    conn.execute(
        &format!(
            "INSERT INTO {table} (key, amount, currency, last4, approved, charge_id, code, reason, seq)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)"
        ),
        &[&req.key, &req.amount, &req.currency, &req.card.last4(), &approved, &charge_id, &code, &reason, &seq],
    )?;
    Ok(outcome)
}

#[cfg(unix)]
fn restrict(path: &Path) {
    use std::os::unix::fs::PermissionsExt;
    let _ = std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600));
}
#[cfg(not(unix))]
fn restrict(_: &Path) {}

impl PaymentGateway for Sandbox {
    fn charge(&self, req: &ChargeRequest<'_>) -> Result<ChargeOutcome> {
        match self.fault {
            Fault::Timeout => return Err(Error::PaymentPending("no answer from the sandbox processor".into())),
            Fault::FailBefore => {
                return Err(Error::PaymentPending("the sandbox processor refused the connection".into()))
            }
            _ => {}
        }
        if req.amount <= 0 {
            return Err(Error::invalid("amount", "a charge must be more than zero"));
        }
        let outcome = self.locked(|conn, table| charge_in(conn, table, req))?;
        if self.fault == Fault::FailAfter {
            return Err(Error::PaymentPending("the sandbox processor's answer was lost".into()));
        }
        Ok(outcome)
    }
}
