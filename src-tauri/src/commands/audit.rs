//! Settings → Audit log, and its export through Save As.

use faxcredit::audit::Entry;
use faxcredit::ErrorBody;
use tauri::{Runtime, State, WebviewWindow};

use crate::save_as::SaveResult;
use crate::state::AppState;

/// The newest `limit` lines (at most 1000) older than line `before`.
#[tauri::command]
pub fn audit_log(state: State<'_, AppState>, limit: i64, before: Option<i64>) -> Result<Vec<Entry>, ErrorBody> {
    state.require_manager()?;
    state.with_db(|db| faxcredit::audit::entries(db, limit.clamp(1, 1000), before))
}

/// The whole log as CSV, oldest first, through the native Save As dialog.
#[tauri::command]
pub async fn export_audit<R: Runtime>(
    window: WebviewWindow<R>,
    state: State<'_, AppState>,
) -> Result<SaveResult, ErrorBody> {
    state.require_manager()?;
    let today = state.now().format("%Y-%m-%d").to_string();
    let Some(target) = state.save_as(&window, "Export Audit Log", format!("audit-log-{today}.csv")).await? else {
        return Ok(SaveResult::Cancelled);
    };
    let rows = state.with_db(|db| faxcredit::export::export_audit(db, &target, Default::default()))?;
    state.note_export(&target);
    Ok(SaveResult::Saved { path: target.display().to_string(), rows })
}
