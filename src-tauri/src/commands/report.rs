//! Settings → Reports: who spent the credit, its export through Save As, the native row menu
//! (View Activity of this user) and that user's faxes in the range.

use faxcredit::report::{self, GroupBy, Range, SpendReport, UserFax};
use faxcredit::ErrorBody;
use serde::Serialize;
use tauri::{Runtime, State, WebviewWindow, Window};

use crate::save_as::{FileKind, SaveResult};
use crate::state::AppState;

fn range(from: &str, to: &str) -> Result<Range, ErrorBody> {
    Range::parse(from, to).map_err(|e| ErrorBody::from(&e))
}

#[tauri::command]
pub fn spend_report(
    state: State<'_, AppState>,
    from: String,
    to: String,
    by: GroupBy,
) -> Result<SpendReport, ErrorBody> {
    state.require_manager()?;
    let range = range(&from, &to)?;
    state.with_db(|db| report::spend_report(db, range, by))
}

/// `spend-by-user-2026-11-01-to-2026-11-30.csv`
pub fn default_file_name(by: GroupBy, from: &str, to: &str) -> String {
    format!("spend-by-{}-{from}-to-{to}.csv", by.as_str())
}

/// The report through the native Save As dialog, written by the one CSV encoder.
#[tauri::command]
pub async fn export_report<R: Runtime>(
    window: WebviewWindow<R>,
    state: State<'_, AppState>,
    from: String,
    to: String,
    by: GroupBy,
) -> Result<SaveResult, ErrorBody> {
    state.require_manager()?;
    let range = range(&from, &to)?;
    let name = default_file_name(by, &range.from.to_string(), &range.to.to_string());
    let Some(target) = state.save_as_file(&window, "Export Spend Report", name, FileKind::Csv).await? else {
        return Ok(SaveResult::Cancelled);
    };
    let rows = state.with_db(|db| {
        let r = report::spend_report(db, range, by)?;
        faxcredit::export::export_report(db, &r, &target, Default::default())
    })?;
    state.note_export(&target);
    Ok(SaveResult::Saved { path: target.display().to_string(), rows })
}

/// The row menu of a user in the report: View Activity of this user.
#[tauri::command]
pub fn show_report_menu<R: Runtime>(
    window: Window<R>,
    state: State<'_, AppState>,
    user: String,
    x: Option<f64>,
    y: Option<f64>,
) -> Result<(), ErrorBody> {
    state.require_manager()?;
    super::menu::popup(&window, &[(format!("user-activity:{user}"), "View Activity of this user", true)], x, y)
}

#[derive(Debug, Serialize)]
pub struct UserFaxes {
    pub user: String,
    pub faxes: Vec<UserFax>,
    /// How many faxes the user sent in the range (`faxes` holds at most the newest 2,000).
    pub total: i64,
    pub currency: String,
}

#[tauri::command]
pub fn user_faxes(state: State<'_, AppState>, from: String, to: String, user: String) -> Result<UserFaxes, ErrorBody> {
    state.require_manager()?;
    let range = range(&from, &to)?;
    state.with_db(|db| {
        let (faxes, total) = report::user_faxes(db, range, &user, 2_000)?;
        Ok(UserFaxes { user, faxes, total, currency: faxcredit::account::account(db)?.currency })
    })
}
