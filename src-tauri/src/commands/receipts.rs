//! Receipts: the billing details they print, the Order history's native row menu (Save
//! Receipt…), and the receipt PDF through the native Save As.

use faxcredit::billing_details::{self, BillingDetails, BillingDetailsInput};
use faxcredit::ErrorBody;
use tauri::{Runtime, State, WebviewWindow, Window};

use crate::save_as::{FileKind, SaveResult};
use crate::state::AppState;

#[tauri::command]
pub fn billing_details(state: State<'_, AppState>) -> Result<BillingDetails, ErrorBody> {
    state.require_manager()?;
    state.with_db(|db| billing_details::billing_details(db.conn()))
}

#[tauri::command]
pub fn save_billing_details(
    state: State<'_, AppState>,
    input: BillingDetailsInput,
) -> Result<BillingDetails, ErrorBody> {
    let by = state.require_manager()?.actor();
    let now = state.now();
    state.with_db(|db| billing_details::set_billing_details(db, &input, &by, now))
}

/// The row menu of an order: Save Receipt… (enabled for a paid order only).
#[tauri::command]
pub fn show_order_menu<R: Runtime>(
    window: Window<R>,
    state: State<'_, AppState>,
    order_id: i64,
    paid: bool,
    x: Option<f64>,
    y: Option<f64>,
) -> Result<(), ErrorBody> {
    state.require_manager()?;
    let label = if paid { "Save Receipt…" } else { "Save Receipt… (paid orders only)" };
    super::menu::popup(&window, &[(format!("save-receipt:{order_id}"), label, paid)], x, y)
}

/// The receipt of a paid order through the native Save As (filter PDF); an order that is not
/// paid is refused before the dialog opens.
#[tauri::command]
pub async fn save_receipt<R: Runtime>(
    window: WebviewWindow<R>,
    state: State<'_, AppState>,
    order_id: i64,
) -> Result<SaveResult, ErrorBody> {
    state.require_manager()?;
    let receipt = state.with_db(|db| faxcredit::orders::receipt(db.conn(), order_id))?;
    let Some(target) = state.save_as_file(&window, "Save Receipt", receipt.file_name(), FileKind::Pdf).await? else {
        return Ok(SaveResult::Cancelled);
    };
    state.with_db(|db| faxcredit::export::save_receipt(db, order_id, &target))?;
    state.note_export(&target);
    Ok(SaveResult::Saved { path: target.display().to_string(), rows: 1 })
}
