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
