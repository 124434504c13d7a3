//! After an export: open the file, or show it in its folder, through the OS (out of process).

use faxcredit::ErrorBody;
use tauri::State;

use crate::os_open as reveal;
use crate::state::AppState;

fn started(ok: bool) -> Result<(), ErrorBody> {
    if ok {
        Ok(())
    } else {
        Err(ErrorBody::new("no_opener", "no program to open files was found on this system"))
    }
}

/// Opens a file this run exported with the application the OS gives its type.
#[tauri::command]
pub fn open_export(state: State<'_, AppState>, path: String) -> Result<(), ErrorBody> {
    state.require_manager()?;
    let file = state.exported_file(&path)?;
    started(reveal::run_first(reveal::open_commands(&file)))
}

/// Shows a file this run exported in the file manager.
#[tauri::command]
pub fn show_export(state: State<'_, AppState>, path: String) -> Result<(), ErrorBody> {
    state.require_manager()?;
    let file = state.exported_file(&path)?;
    started(reveal::run_first(reveal::show_commands(&file)))
}
