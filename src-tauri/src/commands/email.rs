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
    state.require_manager()?;
    state.with_db(|db| state.services.save_email(db, settings, password).map(|_| ()))?;
    state.wake_worker();
    setup_of(&state)
}

/// Sends a test message to the account email at once; answers with the server's reply.
#[tauri::command]
pub async fn send_test_email(state: State<'_, AppState>) -> Result<String, ErrorBody> {
    state.require_manager()?;
    let (mailer, to) = state.with_db(|db| {
        let mailer = state.services.mailer(db)?.ok_or(faxcredit::Error::EmailNotConfigured)?;
        Ok((mailer, faxcredit::account::account(db)?.email))
    })?;
    // The SMTP exchange runs off the main thread and without the database lock.
    let now = state.now();
    tauri::async_runtime::spawn_blocking(move || mailer.send_test(&to, now))
        .await
        .map_err(|e| ErrorBody { code: "internal".into(), message: e.to_string() })?
        .map_err(|e| ErrorBody::from(&e))
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
