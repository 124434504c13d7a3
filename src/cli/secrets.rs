//! The CLI's use of the process's services: its keyring and processor for purchases and email,
//! and finishing the orders a crash left pending.

use faxcredit::db::Db;
use faxcredit::error::Result;
use faxcredit::notify::EmailSettings;
use faxcredit::orders::{Purchaser, ReconcileReport};

pub fn smtp_mailer(db: &mut Db) -> Result<Option<faxcredit::notify::SmtpMailer>> {
    super::services().mailer(db)
}

pub fn save_smtp(db: &mut Db, settings: EmailSettings, password: Option<String>) -> Result<EmailSettings> {
    super::services().save_email(db, settings, password, &super::io::actor())
}

/// Runs `f` with the purchase protocol's parts: the OS keyring, the sandbox processor, the
/// CLI's one clock (the process's [`faxcredit::services::Services`]).
pub fn with_purchaser<T>(db: &mut Db, f: impl FnOnce(&mut Db, &Purchaser<'_>) -> Result<T>) -> Result<T> {
    super::services().with_purchaser(db, f)
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
pub fn reconcile_at_start(path: &faxcredit::db::Location) {
    if let Ok(mut db) = Db::open(path) {
        if faxcredit::account::account(&db).is_ok() {
            reconcile(&mut db);
        }
    }
}
