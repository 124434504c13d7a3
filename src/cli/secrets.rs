//! Where the CLI keeps the SMTP password: the OS keyring.
// Wired to the keyring store once it lands; until then no password is kept anywhere.

use crate::db::Db;
use crate::error::Result;
use crate::notify::{self, EmailSettings};
use crate::time::Timestamp;

pub fn smtp_password(_db: &Db) -> Result<Option<String>> {
    Ok(None)
}

pub fn save_smtp(
    db: &mut Db,
    settings: EmailSettings,
    _password: Option<String>,
    now: Timestamp,
) -> Result<EmailSettings> {
    notify::set_email_settings(db, settings, now)
}
