//! Settings → Email and the Notifications list.

use faxcredit::notify::{self, EmailSettings, Message};
use faxcredit::ErrorBody;
use serde::Serialize;
use tauri::State;

use crate::state::AppState;

#[derive(Debug, Serialize)]
pub struct EmailSetup {
    pub settings: Option<EmailSettings>,
    pub password_saved: bool,
    pub account_email: String,
}

fn setup_of(state: &AppState) -> Result<EmailSetup, ErrorBody> {
    state.with_db(|db| {
        Ok(EmailSetup {
            settings: notify::email_settings(db)?,
            password_saved: password_saved(state, db)?,
            account_email: faxcredit::account::account(db)?.email,
        })
    })
}

#[tauri::command]
pub fn email_setup(state: State<'_, AppState>) -> Result<EmailSetup, ErrorBody> {
    state.require_manager()?;
    setup_of(&state)
}

/// Saves the settings; `password`: `None` keeps the stored one, `Some("")` removes it.
#[tauri::command]
pub fn save_email_settings(
    state: State<'_, AppState>,
    settings: EmailSettings,
    password: Option<String>,
) -> Result<EmailSetup, ErrorBody> {
    let by = state.require_manager()?.actor();
    state.with_db(|db| state.services.save_email(db, settings, password, &by).map(|_| ()))?;
    state.wake_worker();
    setup_of(&state)
}

/// Sends a test message to the account email at once with the settings on screen (saved or
/// not; `password` `None` takes the stored one) and answers with the server's reply. A server
/// that cannot be found (`smtp_host_unknown`) or reached (`smtp_unreachable`) is told apart from
/// one that refuses the message (`smtp_failed`).
#[tauri::command]
pub async fn send_test_email(
    state: State<'_, AppState>,
    settings: EmailSettings,
    password: Option<String>,
) -> Result<String, ErrorBody> {
    state.require_manager()?;
    let (host, port) = (settings.host.trim().to_string(), settings.port);
    let (mailer, to) = state.with_db(|db| {
        let mailer = state.services.mailer_for(db, settings, password)?;
        Ok((mailer, faxcredit::account::account(db)?.email))
    })?;
    // The SMTP exchange runs off the main thread and without the database lock.
    let now = state.now();
    tauri::async_runtime::spawn_blocking(move || {
        reach(&host, port)?;
        mailer.send_test(&to, now).map_err(|e| ErrorBody::from(&e))
    })
    .await
    .map_err(ErrorBody::internal)?
}

#[tauri::command]
pub fn notifications(state: State<'_, AppState>) -> Result<Vec<Message>, ErrorBody> {
    state.require_manager()?;
    state.with_db(|db| notify::messages(db, 500))
}

#[tauri::command]
pub fn retry_notification(state: State<'_, AppState>, id: i64) -> Result<(), ErrorBody> {
    state.require_manager()?;
    state.with_db(|db| notify::outbox::retry_now(db, id, state.now()))?;
    state.wake_worker();
    Ok(())
}

/// Whether an SMTP password is stored (false when the keyring cannot be reached).
fn password_saved(state: &AppState, db: &mut faxcredit::Db) -> Result<bool, faxcredit::Error> {
    let Some(s) = notify::email_settings(db)? else { return Ok(false) };
    if s.username.is_none() {
        return Ok(false);
    }
    Ok(state.services.secrets(db)?.get(notify::password::SECRET_NAME).ok().flatten().is_some())
}

/// Whether the SMTP server can be found and reached, before a message is tried: a name that
/// does not resolve and a port where nothing answers are told apart from a server that refuses.
fn reach(host: &str, port: u16) -> Result<(), ErrorBody> {
    use std::net::{TcpStream, ToSocketAddrs};
    let addrs: Vec<_> = (host, port)
        .to_socket_addrs()
        .map_err(|e| ErrorBody::new("smtp_host_unknown", format!("{host}: {e}")))?
        .collect();
    if addrs.is_empty() {
        return Err(ErrorBody::new("smtp_host_unknown", format!("{host} has no address")));
    }
    let mut last = None;
    for a in addrs {
        match TcpStream::connect_timeout(&a, std::time::Duration::from_secs(8)) {
            Ok(_) => return Ok(()),
            Err(e) => last = Some(e),
        }
    }
    Err(ErrorBody::new(
        "smtp_unreachable",
        format!("nothing answered at {host}:{port}: {}", last.map(|e| e.to_string()).unwrap_or_default()),
    ))
}
