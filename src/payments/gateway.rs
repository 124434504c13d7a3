//! The seam where a payment processor plugs in, and the embedded sandbox processor.
//!
//! The sandbox behaves like a real processor, not like a mock: it keeps its own idempotency
//! records in its own SQLite file (it stands for a service outside our process, so a crash of ours
//! never loses a charge it made), answers a repeated key with the first answer, approves valid
//! cards and declines Stripe's public test numbers as Stripe does. It never moves real money.

use std::path::{Path, PathBuf};
use std::time::Duration;

use rusqlite::{params, Connection, OptionalExtension, TransactionBehavior};

use super::payment_method::StoredCard;
use crate::error::{Error, Result};

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
    path: PathBuf,
    fault: Fault,
}

impl std::fmt::Debug for Sandbox {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Sandbox").field("path", &self.path).field("fault", &self.fault).finish()
    }
}

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
        Sandbox { path: db.with_file_name(name), fault }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    fn open(&self) -> Result<Connection> {
        // Several processes may open a new file at once: switching it to WAL and creating the
        // table can meet a lock the busy handler does not wait for. Try again for a while.
        let mut attempt = 0;
        loop {
            match self.try_open() {
                Err(Error::Busy) if attempt < 200 => {
                    attempt += 1;
                    std::thread::sleep(Duration::from_millis(10 + attempt % 7));
                }
                r => return r,
            }
        }
    }

    fn try_open(&self) -> Result<Connection> {
        let existed = self.path.exists();
        let mut conn = Connection::open(&self.path)?;
        conn.busy_timeout(Duration::from_secs(30))?;
        if !existed {
            restrict(&self.path);
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
        if !self.path.exists() {
            return Ok(0);
        }
        Ok(self.open()?.query_row("SELECT count(*) FROM charges WHERE approved = 1", [], |r| r.get(0))?)
    }

    /// Every approved charge's key.
    pub fn approved_keys(&self) -> Result<Vec<String>> {
        if !self.path.exists() {
            return Ok(Vec::new());
        }
        let conn = self.open()?;
        let mut st = conn.prepare("SELECT key FROM charges WHERE approved = 1 ORDER BY seq")?;
        let keys = st.query_map([], |r| r.get(0))?.collect::<rusqlite::Result<_>>()?;
        Ok(keys)
    }
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
        let mut conn = self.open()?;
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let first = tx
            .query_row("SELECT amount, approved, charge_id, code, reason FROM charges WHERE key = ?1", [req.key], |r| {
                Ok((
                    r.get::<_, i64>(0)?,
                    r.get::<_, bool>(1)?,
                    r.get::<_, Option<String>>(2)?,
                    r.get::<_, Option<String>>(3)?,
                    r.get::<_, Option<String>>(4)?,
                ))
            })
            .optional()?;
        let outcome = if let Some((amount, approved, charge_id, code, reason)) = first {
            // As Stripe: a key reused for a different amount is an error, not a new charge.
            if amount != req.amount {
                return Err(Error::Conflict(format!("idempotency key {} was used for a different amount", req.key)));
            }
            if approved {
                ChargeOutcome::Approved { charge_id: charge_id.unwrap_or_default() }
            } else {
                ChargeOutcome::Declined { code: code.unwrap_or_default(), reason: reason.unwrap_or_default() }
            }
        } else {
            let seq: i64 = tx.query_row("SELECT coalesce(max(seq), 0) + 1 FROM charges", [], |r| r.get(0))?;
            let outcome = match stripe_decline(&req.card.number) {
                Some((code, reason)) => ChargeOutcome::Declined { code: code.into(), reason: reason.into() },
                None => ChargeOutcome::Approved { charge_id: format!("ch_sandbox_{seq:08}") },
            };
            let (approved, charge_id, code, reason) = match &outcome {
                ChargeOutcome::Approved { charge_id } => (true, Some(charge_id.as_str()), None, None),
                ChargeOutcome::Declined { code, reason } => (false, None, Some(code.as_str()), Some(reason.as_str())),
            };
            tx.execute(
                "INSERT INTO charges (key, amount, currency, last4, approved, charge_id, code, reason, seq)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
                params![req.key, req.amount, req.currency, req.card.last4(), approved, charge_id, code, reason, seq],
            )?;
            outcome
        };
        tx.commit()?;
        if self.fault == Fault::FailAfter {
            return Err(Error::PaymentPending("the sandbox processor's answer was lost".into()));
        }
        Ok(outcome)
    }
}
