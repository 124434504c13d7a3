//! The desktop shell: argument parsing, app state, native menus and the Tauri commands. Each
//! command is a few lines: a session check, one core call, its typed error as `{code, message}`.

mod args;
pub mod commands;
mod events;
pub mod ledger_place;
mod listen;
mod locale;
mod os_open;
pub mod save_as;
mod state;
mod worker;

pub use args::AppArgs;
pub use ledger_place::AppFiles;
pub use state::{AppState, Session};

/// Registers state, commands and the row-menu handler on any builder, so tests can use
/// `tauri::test::mock_builder()`.
pub fn build_app<R: tauri::Runtime>(builder: tauri::Builder<R>, state: AppState) -> tauri::Builder<R> {
    let builder = builder.manage(state).on_menu_event(commands::menu::on_menu_event);
    commands::register(builder)
}

pub fn run() {
    let args = AppArgs::parse(std::env::args().skip(1));
    let services = faxcredit::services::Services::system().unwrap_or_else(|e| {
        eprintln!("fax-credit: cannot start: {e}");
        std::process::exit(2);
    });
    let state = AppState::open(&args, services);
    let at = state.location();
    let services = state.services.clone();
    let builder = tauri::Builder::default().plugin(tauri_plugin_notification::init()).setup(move |app| {
        use tauri::Manager;
        let wake = worker::start(app.handle().clone(), at, services);
        app.state::<AppState>().set_worker(wake);
        Ok(())
    });
    build_app(builder, state).run(tauri::generate_context!()).unwrap_or_else(|e| {
        eprintln!("fax-credit: cannot start: {e}");
        std::process::exit(1);
    });
}
