//! The SMTP password: only in the OS keyring, under one name for every front end.

use super::settings::EmailSettings;
use crate::audit::Actor;
use crate::db::Db;
use crate::error::Result;
use crate::secrets::SecretStore;
use crate::time::Timestamp;

/// The keyring entry of the SMTP password.
pub const SECRET_NAME: &str = "smtp-password";

pub fn smtp_password(secrets: &dyn SecretStore) -> Result<Option<String>> {
    secrets.get(SECRET_NAME)
}

/// Saves the settings. `password`: `None` keeps the stored one, `Some("")` removes it, anything
/// else replaces it. The keyring is written first, so with no keyring nothing changes; without
/// a user name no password is kept.
pub fn save_with_password(
    db: &mut Db,
    secrets: &dyn SecretStore,
    settings: EmailSettings,
    password: Option<String>,
    by: &Actor,
    now: Timestamp,
) -> Result<EmailSettings> {
    let settings = settings.validated()?;
    let note = match (&settings.username, &password) {
        (Some(_), Some(p)) if !p.is_empty() => "; password replaced",
        (Some(_), Some(_)) => "; password removed",
        _ => "",
    };
    match (&settings.username, password) {
        (Some(_), Some(p)) if !p.is_empty() => secrets.set(SECRET_NAME, &p)?,
        (Some(_), Some(_)) => secrets.delete(SECRET_NAME)?,
        (Some(_), None) => {}
        // No login: forget any password, but a missing keyring is no reason to refuse.
        (None, _) => {
            if let Err(e) = secrets.delete(SECRET_NAME) {
                if e.code() != "keyring_unavailable" {
                    return Err(e);
                }
            }
        }
    }
    super::settings::save(db, settings, by, note, now)
}

/// The mailer from the stored settings and the keyring's password; `None` when email is not set
/// up. The keyring is asked only when the settings name a user.
pub fn mailer(db: &Db, secrets: &dyn SecretStore) -> Result<Option<super::SmtpMailer>> {
    let Some(settings) = super::email_settings(db)? else { return Ok(None) };
    let password = if settings.username.is_some() { smtp_password(secrets)? } else { None };
    super::SmtpMailer::new(&settings, password).map(Some)
}
