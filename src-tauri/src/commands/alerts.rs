//! Settings → Alerts and Settings → Recipients.

use faxcredit::alerts::{self, AlertStatus};
use faxcredit::notify::{self, Only, Recipient};
use faxcredit::ErrorBody;
use tauri::State;

use crate::state::AppState;

#[tauri::command]
pub fn alerts(state: State<'_, AppState>) -> Result<AlertStatus, ErrorBody> {
    state.require_manager()?;
    state.with_db(|db| alerts::status(db, state.now()))
}

/// Replaces the levels, each as typed: `"50.00"` (credit remaining) or `"80%"` (of the card in
/// use); a bad one is `invalid_input` naming it (`level 2`) and nothing is saved.
#[tauri::command]
pub fn save_alerts(state: State<'_, AppState>, levels: Vec<String>) -> Result<AlertStatus, ErrorBody> {
    let by = state.require_manager()?.actor();
    let levels = alerts::parse_levels(&levels).map_err(|e| ErrorBody::from(&e))?;
    let now = state.now();
    state.with_db(|db| {
        alerts::set_levels(db, &levels, &by, now)?;
        alerts::status(db, now)
    })
}

#[tauri::command]
pub fn recipients(state: State<'_, AppState>) -> Result<Vec<Recipient>, ErrorBody> {
    state.require_manager()?;
    state.with_db(|db| notify::recipients(db))
}

/// Adds a recipient (or changes what it gets): `only` `None` for every message.
#[tauri::command]
pub fn add_recipient(
    state: State<'_, AppState>,
    address: String,
    only: Option<Only>,
) -> Result<Vec<Recipient>, ErrorBody> {
    let by = state.require_manager()?.actor();
    state.with_db(|db| {
        notify::add_recipient(db, &address, only, &by, state.now())?;
        notify::recipients(db)
    })
}

#[tauri::command]
pub fn remove_recipient(state: State<'_, AppState>, address: String) -> Result<Vec<Recipient>, ErrorBody> {
    let by = state.require_manager()?.actor();
    state.with_db(|db| {
        notify::remove_recipient(db, &address, &by, state.now())?;
        notify::recipients(db)
    })
}
