//! Settings → Email and the Notifications list.

use faxcredit::notify::{self, EmailSettings, Message};
use faxcredit::time::{Clock, SystemClock};
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
            password_saved: crate::mail::password_saved(db)?,
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
    state.require_manager()?;
    state.with_db(|db| crate::mail::save(db, settings, password, SystemClock.now()))?;
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
        let mailer = crate::mail::mailer_for(db, settings, password)?;
        Ok((mailer, faxcredit::account::account(db)?.email))
    })?;
    // The SMTP exchange runs off the main thread and without the database lock.
    tauri::async_runtime::spawn_blocking(move || {
        crate::mail::reach(&host, port)?;
        mailer.send_test(&to, SystemClock.now()).map_err(|e| ErrorBody::from(&e))
    })
    .await
    .map_err(|e| ErrorBody::new("internal", e.to_string()))?
}

#[tauri::command]
pub fn notifications(state: State<'_, AppState>) -> Result<Vec<Message>, ErrorBody> {
    state.require_manager()?;
    state.with_db(|db| notify::messages(db, 500))
}

#[tauri::command]
pub fn retry_notification(state: State<'_, AppState>, id: i64) -> Result<(), ErrorBody> {
    state.require_manager()?;
    state.with_db(|db| notify::outbox::retry_now(db, id, SystemClock.now()))?;
    state.wake_worker();
    Ok(())
}
