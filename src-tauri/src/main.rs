// No console window on Windows release builds.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

fn main() {
    // `fax-credit --save-dialog …`: the out-of-process Save As window (src/save_as.rs).
    if let Some(code) = fax_credit_app::save_as::helper_main() {
        std::process::exit(code);
    }
    if let Some(text) = fax_credit_app::AppArgs::version_or_help(std::env::args().skip(1)) {
        println!("{text}");
        return;
    }
    fax_credit_app::run();
}
