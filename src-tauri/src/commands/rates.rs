//! Settings → Rates: the rate table, its edits (one core function checks and writes them), and
//! the "price of a fax to…" preview, priced by billing's own rule.

use faxcredit::rates::{self, Quote, Rate, RateChange};
use faxcredit::ErrorBody;
use serde::Serialize;
use tauri::State;

use crate::state::AppState;

#[derive(Debug, Serialize)]
pub struct RateTableView {
    /// By prefix; the default (prefix "") last.
    pub rates: Vec<Rate>,
    pub currency: String,
}

fn view(db: &faxcredit::Db) -> faxcredit::Result<RateTableView> {
    let mut list = rates::rates(db)?;
    list.sort_by_key(|r| (r.prefix.is_empty(), r.prefix.clone()));
    Ok(RateTableView { rates: list, currency: faxcredit::account::account(db)?.currency })
}

#[tauri::command]
pub fn rate_table(state: State<'_, AppState>) -> Result<RateTableView, ErrorBody> {
    state.require_manager()?;
    state.with_db(|db| view(db))
}

/// Sets or removes a rate; a refusal names its field (`prefix`, `price`, `label`) and saves nothing.
#[tauri::command]
pub fn change_rate(state: State<'_, AppState>, change: RateChange) -> Result<RateTableView, ErrorBody> {
    let by = state.require_manager()?.actor();
    let now = state.now();
    state.with_db(|db| {
        rates::change_rates(db, &change, &by, now)?;
        view(db)
    })
}

#[tauri::command]
pub fn quote_rate(state: State<'_, AppState>, number: String, pages: i64, duration: i64) -> Result<Quote, ErrorBody> {
    state.require_manager()?;
    state.with_db(|db| rates::quote(db, &number, pages, duration))
}
