//! Where the app keeps its data: the platform's per-user data directory (the same folder the
//! desktop app's identifier resolves to), so the CLI and the app find the same databases.

use std::path::PathBuf;

/// The app's identifier, and the name of its folder in the user's data directory.
pub const APP_ID: &str = "com.faxcredit.app";

/// `~/.local/share/com.faxcredit.app` on Linux, `~/Library/Application Support/…` on macOS,
/// `%APPDATA%\…` on Windows.
pub fn data_dir() -> PathBuf {
    dirs::data_dir().unwrap_or_else(|| PathBuf::from(".")).join(APP_ID)
}

/// The account database used when no `--db` is given.
pub fn default_db() -> PathBuf {
    data_dir().join("faxcredit.db")
}

/// The seeded demo account's database.
pub fn demo_db() -> PathBuf {
    data_dir().join("demo.db")
}

/// The desktop app's own settings (JSON): which ledger it opens when no `--db` is given, a
/// shared ledger's URL, user and TLS settings (never its password, which is in the keyring).
pub fn app_settings() -> PathBuf {
    data_dir().join("app-settings.json")
}
