//! What each OS gets: the dependency graph of the desktop app per target (no GTK outside Linux,
//! the OS's own keyring store and file dialog), the versions the binaries print, and where a
//! first run puts the user's data.

use std::path::Path;
use std::process::Command;

const CLI: &str = env!("CARGO_BIN_EXE_faxcredit");

/// The crates the desktop app links on `target`, normal dependencies only (`cargo tree` reads
/// Cargo.lock; nothing is compiled).
fn app_crates(target: &str) -> Vec<String> {
    let out = Command::new(env!("CARGO"))
        .args(["tree", "--locked", "-p", "fax-credit-app", "-e", "normal", "--prefix", "none", "--format", "{p}"])
        .args(["--target", target])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("cargo tree");
    assert!(out.status.success(), "cargo tree --target {target}: {}", String::from_utf8_lossy(&out.stderr));
    let mut names: Vec<String> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| l.split_whitespace().next().map(str::to_string))
        .collect();
    names.sort();
    names.dedup();
    names
}

fn has(crates: &[String], name: &str) -> bool {
    crates.iter().any(|c| c == name)
}

const GTK: &[&str] = &["gtk", "gdk", "gdkx11", "webkit2gtk", "dbus-secret-service-keyring-store", "libappindicator"];

#[test]
fn windows_gets_its_credential_manager_and_native_dialog_and_no_gtk() {
    let crates = app_crates("x86_64-pc-windows-msvc");
    assert!(has(&crates, "windows-native-keyring-store"), "{crates:?}");
    assert!(has(&crates, "rfd"), "the system Save As dialog");
    assert!(has(&crates, "webview2-com"), "WebView2");
    for gtk in GTK.iter().chain(&["apple-native-keyring-store"]) {
        assert!(!has(&crates, gtk), "{gtk} on Windows");
    }
}

#[test]
fn macos_gets_its_keychain_and_native_dialog_and_no_gtk() {
    let crates = app_crates("aarch64-apple-darwin");
    assert!(has(&crates, "apple-native-keyring-store"), "{crates:?}");
    assert!(has(&crates, "rfd"), "the system Save As dialog");
    for gtk in GTK.iter().chain(&["windows-native-keyring-store"]) {
        assert!(!has(&crates, gtk), "{gtk} on macOS");
    }
}

#[test]
fn linux_gets_the_secret_service_and_gtk_and_runs_its_dialog_out_of_process() {
    let crates = app_crates("x86_64-unknown-linux-gnu");
    for name in ["dbus-secret-service-keyring-store", "gtk", "gdkx11", "webkit2gtk"] {
        assert!(has(&crates, name), "{name} on Linux: {crates:?}");
    }
    // The Save As dialog is our own GTK helper process there, never rfd in the app's process.
    assert!(!has(&crates, "rfd"), "rfd on Linux");
    // The CLI is the `faxcredit` binary's: its parser does not ship in the app.
    for cli in ["clap", "rpassword", "clap_complete", "clap_mangen"] {
        assert!(!has(&crates, cli), "{cli} in the app");
    }
    for other in ["windows-native-keyring-store", "apple-native-keyring-store"] {
        assert!(!has(&crates, other), "{other} on Linux");
    }
}

#[test]
fn the_cli_prints_the_workspace_version() {
    let out = Command::new(CLI).arg("--version").output().unwrap();
    assert!(out.status.success());
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), format!("faxcredit {}", env!("CARGO_PKG_VERSION")));
}

#[test]
fn the_cli_prints_its_completions_and_manual_page() {
    for (shell, marker) in [("bash", "complete -F"), ("zsh", "#compdef faxcredit"), ("fish", "complete -c faxcredit")] {
        let out = Command::new(CLI).args(["completions", shell]).output().unwrap();
        assert!(out.status.success(), "{shell}");
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(text.contains(marker), "{shell}: {}", &text[..text.len().min(200)]);
        assert!(text.contains("repeat-order"), "{shell} completes the subcommands");
    }
    let man = Command::new(CLI).arg("man").output().unwrap();
    let text = String::from_utf8_lossy(&man.stdout);
    assert!(text.contains(".TH faxcredit 1") && text.contains("payment\\-card"), "{}", &text[..text.len().min(300)]);
    let bad = Command::new(CLI).args(["completions", "ksh"]).output().unwrap();
    assert_eq!(bad.status.code(), Some(2));
}

#[cfg(unix)]
#[test]
fn a_first_run_keeps_the_ledger_in_a_folder_of_the_users_own() {
    use std::os::unix::fs::PermissionsExt;
    let home = tempfile::tempdir().unwrap();
    let data = home.path().join("data");
    let out = Command::new(CLI)
        .args(["init", "--name", "Acme", "--kind", "prepaid", "--email", "ops@acme.example"])
        .env_remove("FAXCREDIT_DB")
        .env("HOME", home.path())
        .env("XDG_DATA_HOME", &data)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let dir = data.join("com.faxcredit.app");
    let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&dir), 0o700, "the data folder");
    assert_eq!(mode(&dir.join("faxcredit.db")) & 0o077, 0, "the ledger");
}
