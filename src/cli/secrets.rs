//! The CLI's secrets (the OS keyring) and its payment processor (the sandbox beside the ledger).

use std::path::Path;

use faxcredit::db::Db;
use faxcredit::error::Result;
use faxcredit::notify::EmailSettings;
use faxcredit::orders::{Crash, Purchaser, ReconcileReport};
use faxcredit::payments::{Fault, Sandbox};
use faxcredit::secrets::KeyringStore;
use faxcredit::time::Timestamp;

pub fn smtp_mailer(db: &mut Db) -> Result<Option<faxcredit::notify::SmtpMailer>> {
    let store = KeyringStore::open(db)?;
    faxcredit::notify::password::mailer(db, &store)
}

pub fn save_smtp(
    db: &mut Db,
    settings: EmailSettings,
    password: Option<String>,
    now: Timestamp,
) -> Result<EmailSettings> {
    let store = KeyringStore::open(db)?;
    faxcredit::notify::password::save_with_password(db, &store, settings, password, now)
}

pub fn gateway(db_path: &Path) -> Sandbox {
    Sandbox::beside(db_path, Fault::from_env())
}

/// Runs `f` with the purchaser the CLI uses: the OS keyring, the sandbox processor, the CLI's
/// one clock.
pub fn with_purchaser<T>(db: &mut Db, f: impl FnOnce(&mut Db, &Purchaser<'_>) -> Result<T>) -> Result<T> {
    let secrets = KeyringStore::open(db)?;
    let gateway = gateway(db.path());
    let p = Purchaser {
        gateway: &gateway,
        secrets: &secrets,
        clock: super::clock(),
        crash: Crash::from_env().map(|c| (c, true)),
    };
    f(db, &p)
}

/// Finishes orders left pending (and starts due retries); says on stderr what it did. A keyring
/// or processor that cannot be reached leaves them pending for next time.
pub fn reconcile(db: &mut Db) -> Option<ReconcileReport> {
    if !faxcredit::orders::has_open_orders(db).unwrap_or(false) {
        return None;
    }
    match with_purchaser(db, faxcredit::orders::reconcile) {
        Ok(r) => {
            if r.paid + r.declined > 0 {
                eprintln!("faxcredit: finished pending orders: {} paid, {} declined", r.paid, r.declined);
            }
            Some(r)
        }
        Err(e) => {
            eprintln!("faxcredit: orders left pending, tried again next time: {e} [{}]", e.code());
            None
        }
    }
}

/// At start-up, before a command: the orders a crash left pending are finished on their own
/// connection (a ledger without an account yet has none).
pub fn reconcile_at_start(path: &std::path::Path) {
    if let Ok(mut db) = Db::open(path) {
        if faxcredit::account::account(&db).is_ok() {
            reconcile(&mut db);
        }
    }
}
