//! The desktop shell: argument parsing, app state and the Tauri commands. Each command is a few
//! lines: one core call, its typed error mapped to `{code, message}`.

mod args;
mod commands;
mod state;

pub use args::AppArgs;
pub use state::AppState;

/// Registers state and commands on any builder, so tests can use `tauri::test::mock_builder()`.
pub fn build_app<R: tauri::Runtime>(builder: tauri::Builder<R>, state: AppState) -> tauri::Builder<R> {
    builder.manage(state).invoke_handler(tauri::generate_handler![commands::overview])
}

pub fn run() {
    let args = AppArgs::parse(std::env::args().skip(1));
    let state = AppState::open(&args);
    build_app(tauri::Builder::default(), state).run(tauri::generate_context!()).unwrap_or_else(|e| {
        eprintln!("fax-credit: cannot start: {e}");
        std::process::exit(1);
    });
}
