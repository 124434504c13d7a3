//! Export Activity: the native Save As dialog (parented to the window), then the core export
//! on a worker thread with its own connection, streaming progress events; Cancel stops it and
//! the core leaves no partial file.

use std::ops::ControlFlow;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use faxcredit::export::Progress;
use faxcredit::{Db, Error, ErrorBody};
use tauri::{AppHandle, Emitter, Runtime, State, WebviewWindow};

use crate::commands::activity::FilterInput;
use crate::save_as::SaveResult;
use crate::state::AppState;

pub const PROGRESS_EVENT: &str = crate::events::EXPORT_PROGRESS;

/// `card-1042-activity-2026-11-24.csv`
pub fn default_file_name(card_id: i64, today: &str) -> String {
    format!("card-{card_id}-activity-{today}.csv")
}

#[tauri::command]
pub async fn export_activity<R: Runtime>(
    app: AppHandle<R>,
    window: WebviewWindow<R>,
    state: State<'_, AppState>,
    card_id: i64,
    filter: Option<FilterInput>,
) -> Result<SaveResult, ErrorBody> {
    state.require_manager()?;
    // The card (and the filter's user) must exist before we ask where to save it.
    let filter = state.with_db(|db| {
        let filter = filter.unwrap_or_default().parse(db)?;
        faxcredit::ledger::cards::card(db.conn(), card_id)?;
        faxcredit::ledger::activity::check_filter(db, &filter)?;
        Ok(filter)
    })?;
    let today = state.today()?;
    let name = if filter.is_empty() {
        default_file_name(card_id, &today)
    } else {
        format!("card-{card_id}-activity-filtered-{today}.csv")
    };
    let title = if filter.is_empty() { "Export Activity" } else { "Export Filtered Activity" };
    let Some(target) = state.save_as(&window, title, name).await? else {
        return Ok(SaveResult::Cancelled);
    };
    let cancel = Arc::new(AtomicBool::new(false));
    *state.export_cancel.lock().unwrap_or_else(|p| p.into_inner()) = Some(cancel.clone());
    let at = state.location();
    let written = target.clone();
    let result = tauri::async_runtime::spawn_blocking(move || -> Result<u64, Error> {
        let mut db = Db::open(&at)?;
        let s = faxcredit::export::export_lines(
            &mut db,
            card_id,
            &filter,
            &written,
            Default::default(),
            &mut |p: Progress| {
                let _ = app.emit(PROGRESS_EVENT, (card_id, p));
                if cancel.load(Ordering::Relaxed) {
                    ControlFlow::Break(())
                } else {
                    ControlFlow::Continue(())
                }
            },
        )?;
        Ok(s.rows)
    })
    .await
    .map_err(ErrorBody::internal)?;
    *state.export_cancel.lock().unwrap_or_else(|p| p.into_inner()) = None;
    match result {
        Ok(rows) => {
            state.note_export(&target);
            Ok(SaveResult::Saved { path: target.display().to_string(), rows })
        }
        Err(Error::Cancelled) => Ok(SaveResult::Cancelled),
        Err(e) => Err(ErrorBody::from(&e)),
    }
}

/// Stops the running export; its file is not written.
#[tauri::command]
pub fn cancel_export(state: State<'_, AppState>) -> Result<bool, ErrorBody> {
    state.require_manager()?;
    let guard = state.export_cancel.lock().unwrap_or_else(|p| p.into_inner());
    match &*guard {
        Some(flag) => {
            flag.store(true, Ordering::Relaxed);
            Ok(true)
        }
        None => Ok(false),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_the_file_after_the_card_and_the_day() {
        assert_eq!(default_file_name(1042, "2026-11-24"), "card-1042-activity-2026-11-24.csv");
    }
}
