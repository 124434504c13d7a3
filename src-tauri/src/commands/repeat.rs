//! The Repeat Order dialog and status on the Outbound Fax Credit page.

use faxcredit::catalog::Package;
use faxcredit::repeat::{self, RepeatLogEntry, RepeatOrder};
use faxcredit::{money, ErrorBody};
use serde::Serialize;
use tauri::State;

use crate::state::AppState;

#[derive(Debug, Serialize)]
pub struct RepeatView {
    pub repeat_order: Option<RepeatOrder>,
    pub packages: Vec<Package>,
    pub log: Vec<RepeatLogEntry>,
}

fn view(state: &AppState) -> Result<RepeatView, ErrorBody> {
    state.with_db(|db| {
        Ok(RepeatView {
            repeat_order: repeat::show(db)?,
            packages: faxcredit::catalog::packages(db)?.into_iter().filter(|p| p.active).collect(),
            log: repeat::log(db, 20)?,
        })
    })
}

#[tauri::command]
pub fn repeat_order(state: State<'_, AppState>) -> Result<RepeatView, ErrorBody> {
    state.require_manager()?;
    view(&state)
}

/// Saves the repeat order: `package` `None` removes it; `cap` is an amount or `None`.
#[tauri::command]
pub fn save_repeat_order(
    state: State<'_, AppState>,
    package: Option<String>,
    cap: Option<String>,
) -> Result<RepeatView, ErrorBody> {
    let by = state.require_manager()?.actor();
    let now = state.now();
    state.with_db(|db| {
        match package {
            None => {
                repeat::remove(db, &by, now)?;
            }
            Some(p) => {
                let cap = cap.filter(|c| !c.trim().is_empty()).map(|c| money::parse_amount(&c, "cap")).transpose()?;
                repeat::set(db, &p, cap, &by, now)?;
            }
        }
        Ok(())
    })?;
    state.wake_worker();
    view(&state)
}

#[tauri::command]
pub fn resume_repeat_order(state: State<'_, AppState>) -> Result<RepeatView, ErrorBody> {
    let by = state.require_manager()?.actor();
    state.with_db(|db| repeat::resume(db, &by, state.now()).map(|_| ()))?;
    state.wake_worker();
    view(&state)
}
