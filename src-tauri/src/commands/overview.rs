//! The Outbound Fax Credit page: the account, its cards and the spend summary.

use faxcredit::account::{Account, User};
use faxcredit::ledger::{Attempt, Card, Refusing, Summary};
use faxcredit::ErrorBody;
use serde::Serialize;
use tauri::State;

use crate::state::AppState;

#[derive(Debug, Serialize)]
pub struct Overview {
    pub account: Account,
    pub cards: Vec<Card>,
    pub summary: Summary,
    pub refusing: Refusing,
}

#[tauri::command]
pub fn overview(state: State<'_, AppState>) -> Result<Overview, ErrorBody> {
    state.require_manager()?;
    let now = state.now();
    state.with_db(|db| {
        faxcredit::ledger::cards::roll_credit_month(db, now)?;
        Ok(Overview {
            account: faxcredit::account::account(db)?,
            cards: faxcredit::ledger::cards(db)?,
            summary: faxcredit::ledger::summary(db, now, 90)?,
            refusing: faxcredit::ledger::refusing(db, now)?,
        })
    })
}

/// The account's settings page: the account, and the zone names it can be set to.
#[derive(Debug, Serialize)]
pub struct AccountSettings {
    pub account: Account,
    pub time_zones: Vec<String>,
    /// This computer's zone, what the account follows when it has none of its own.
    pub computer_time_zone: Option<String>,
}

#[tauri::command]
pub fn account_settings(state: State<'_, AppState>) -> Result<AccountSettings, ErrorBody> {
    state.require_manager()?;
    let account = state.with_db(|db| faxcredit::account::account(db))?;
    Ok(AccountSettings {
        account,
        time_zones: faxcredit::time::zone::names(),
        computer_time_zone: faxcredit::time::Zone::system().name().map(str::to_string),
    })
}

/// Sets the account's zone (`None`: the computer's); an unknown name is `invalid_input` on
/// `time_zone` and saves nothing.
#[tauri::command]
pub fn set_time_zone(state: State<'_, AppState>, time_zone: Option<String>) -> Result<Account, ErrorBody> {
    let by = state.require_manager()?.actor();
    let now = state.now();
    let name = time_zone.filter(|z| !z.trim().is_empty());
    let account = state.with_db(|db| faxcredit::account::set_time_zone(db, name.as_deref(), &by, now))?;
    state.set_session_zone(account.time_zone.clone());
    Ok(account)
}

#[tauri::command]
pub fn list_users(state: State<'_, AppState>) -> Result<Vec<User>, ErrorBody> {
    state.require_manager()?;
    state.with_db(|db| faxcredit::account::users(db))
}

/// The faxes refused with 205000 - Quota Exceeded, newest first (not billed; a gateway may send
/// them again once there is credit).
#[tauri::command]
pub fn refused_faxes(state: State<'_, AppState>) -> Result<Vec<Attempt>, ErrorBody> {
    state.require_manager()?;
    state.with_db(|db| faxcredit::ledger::attempts(db, 1_000))
}
