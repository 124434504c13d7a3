//! The app's secrets and processor: the OS keyring for this account, the sandbox processor
//! beside the ledger, and the SMTP mailer built from them.

use std::path::Path;

use faxcredit::notify::{self, EmailSettings, SmtpMailer};
use faxcredit::payments::{Fault, Sandbox};
use faxcredit::secrets::{KeyringStore, SecretStore};
use faxcredit::time::Timestamp;
use faxcredit::{Db, Error};

pub fn keyring(db: &mut Db) -> Result<KeyringStore, Error> {
    KeyringStore::open(db)
}

pub fn gateway(db_path: &Path) -> Sandbox {
    Sandbox::beside(db_path, Fault::from_env())
}

/// Whether an SMTP password is stored (false when the keyring cannot be reached).
pub fn password_saved(db: &mut Db) -> Result<bool, Error> {
    let Some(s) = notify::email_settings(db)? else { return Ok(false) };
    if s.username.is_none() {
        return Ok(false);
    }
    Ok(keyring(db)?.get(notify::password::SECRET_NAME).ok().flatten().is_some())
}

pub fn save(db: &mut Db, settings: EmailSettings, password: Option<String>, now: Timestamp) -> Result<(), Error> {
    let store = keyring(db)?;
    notify::password::save_with_password(db, &store, settings, password, now).map(|_| ())
}

/// `None` when email is not set up.
pub fn mailer(db: &mut Db) -> Result<Option<SmtpMailer>, Error> {
    let store = keyring(db)?;
    notify::password::mailer(db, &store)
}
