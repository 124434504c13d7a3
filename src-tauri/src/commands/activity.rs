//! View Activity: one keyset page of a card's lines.

use faxcredit::ledger::{ActivityPage, ActivityQuery};
use faxcredit::time::parse_ts;
use faxcredit::{Error, ErrorBody};
use serde::Deserialize;
use tauri::State;

use crate::state::AppState;

#[derive(Debug, Deserialize)]
pub struct PageInput {
    pub card_id: i64,
    pub before: Option<i64>,
    pub limit: i64,
    pub user: Option<String>,
    pub from: Option<String>,
    pub to: Option<String>,
}

#[tauri::command]
pub fn activity_page(state: State<'_, AppState>, input: PageInput) -> Result<ActivityPage, ErrorBody> {
    state.require_manager()?;
    let parse = |s: Option<String>, f: &str| -> Result<_, Error> {
        s.filter(|s| !s.trim().is_empty()).map(|s| parse_ts(&s, f)).transpose()
    };
    state.with_db(|db| {
        let q = ActivityQuery {
            card_id: input.card_id,
            before: input.before,
            limit: input.limit,
            user: input.user.filter(|u| !u.trim().is_empty()),
            from: parse(input.from, "from")?,
            to: parse(input.to, "to")?,
        };
        faxcredit::ledger::activity_page(db, &q)
    })
}
