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

/// A mailer for settings as they are on screen, saved or not: `password` `None` takes the stored
/// one (when they name a user), `Some("")` none.
pub fn mailer_for(db: &mut Db, settings: EmailSettings, password: Option<String>) -> Result<SmtpMailer, Error> {
    let settings = settings.validated()?;
    let password = match (&settings.username, password) {
        (None, _) => None,
        (Some(_), Some(p)) => Some(p).filter(|p| !p.is_empty()),
        (Some(_), None) => notify::password::smtp_password(&keyring(db)?)?,
    };
    SmtpMailer::new(&settings, password)
}

/// Whether the SMTP server can be found and reached, before a message is tried: a name that
/// does not resolve and a port where nothing answers are told apart from a server that refuses.
pub fn reach(host: &str, port: u16) -> Result<(), faxcredit::ErrorBody> {
    use std::net::{TcpStream, ToSocketAddrs};
    let addrs: Vec<_> = (host, port)
        .to_socket_addrs()
        .map_err(|e| faxcredit::ErrorBody::new("smtp_host_unknown", format!("{host}: {e}")))?
        .collect();
    if addrs.is_empty() {
        return Err(faxcredit::ErrorBody::new("smtp_host_unknown", format!("{host} has no address")));
    }
    let mut last = None;
    for a in addrs {
        match TcpStream::connect_timeout(&a, std::time::Duration::from_secs(8)) {
            Ok(_) => return Ok(()),
            Err(e) => last = Some(e),
        }
    }
    Err(faxcredit::ErrorBody::new(
        "smtp_unreachable",
        format!("nothing answered at {host}:{port}: {}", last.map(|e| e.to_string()).unwrap_or_default()),
    ))
}
