//! "Open file" and "Show in folder" after an export: the OS's own programs, started as separate
//! processes. Nothing here opens the file: the app never reads what it exported back, and no
//! code in the app's process opens a file beside the ledger (ARCHITECTURE.md).

use std::path::Path;
use std::process::{Command, Stdio};

/// The commands tried in order to open `file` with its usual application.
pub fn open_commands(file: &Path) -> Vec<Command> {
    let mut out = Vec::new();
    if cfg!(target_os = "macos") {
        out.push(command("open", &[file.as_os_str()]));
    } else if cfg!(windows) {
        out.push(command("explorer", &[file.as_os_str()]));
    } else {
        out.push(command("xdg-open", &[file.as_os_str()]));
        out.push(command("gio", &["open".as_ref(), file.as_os_str()]));
    }
    out
}

/// The commands tried in order to show `file` selected in the file manager (or, failing that,
/// to open its folder).
pub fn show_commands(file: &Path) -> Vec<Command> {
    let folder = file.parent().unwrap_or(Path::new("."));
    let mut out = Vec::new();
    if cfg!(target_os = "macos") {
        out.push(command("open", &["-R".as_ref(), file.as_os_str()]));
    } else if cfg!(windows) {
        let mut select = std::ffi::OsString::from("/select,");
        select.push(file.as_os_str());
        out.push(command("explorer", &[select.as_os_str()]));
    } else {
        // The freedesktop file manager interface selects the file (Nautilus, Dolphin, Nemo…).
        let uri = file_uri(file);
        out.push(command(
            "gdbus",
            &[
                "call".as_ref(),
                "--session".as_ref(),
                "--dest".as_ref(),
                "org.freedesktop.FileManager1".as_ref(),
                "--object-path".as_ref(),
                "/org/freedesktop/FileManager1".as_ref(),
                "--method".as_ref(),
                "org.freedesktop.FileManager1.ShowItems".as_ref(),
                format!("['{uri}']").as_ref(),
                "".as_ref(),
            ],
        ));
        out.push(command("xdg-open", &[folder.as_os_str()]));
        out.push(command("gio", &["open".as_ref(), folder.as_os_str()]));
    }
    out
}

fn command(program: &str, args: &[&std::ffi::OsStr]) -> Command {
    let mut c = Command::new(program);
    c.args(args).stdin(Stdio::null()).stdout(Stdio::null()).stderr(Stdio::null());
    c
}

/// `file:///…` with every byte outside the unreserved set percent-encoded (and so no quote that
/// could end the GVariant string).
pub fn file_uri(path: &Path) -> String {
    let mut out = String::from("file://");
    for &b in path.as_os_str().as_encoded_bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'/' | b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Runs the first of `commands` that starts and succeeds, each on its own, waited for on a
/// thread of its own so the window never waits. Returns whether one could be started.
pub fn run_first(commands: Vec<Command>) -> bool {
    let mut commands = commands.into_iter();
    let Some(mut first) = commands.next() else { return false };
    match first.spawn() {
        Ok(mut child) => {
            let rest: Vec<Command> = commands.collect();
            std::thread::spawn(move || {
                let ok = child.wait().map(|s| s.success()).unwrap_or(false);
                if !ok {
                    run_first(rest);
                }
            });
            true
        }
        Err(_) => run_first(commands.collect()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_uri_encodes_what_could_break_out_of_the_argument() {
        assert_eq!(file_uri(Path::new("/home/a/card 1001's.csv")), "file:///home/a/card%201001%27s.csv");
        assert_eq!(file_uri(Path::new("/tmp/é.csv")), "file:///tmp/%C3%A9.csv");
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn opens_with_the_desktop_and_shows_through_the_file_manager_then_the_folder() {
        let f = Path::new("/tmp/x/card.csv");
        let open: Vec<String> = open_commands(f).iter().map(|c| c.get_program().to_string_lossy().into()).collect();
        assert_eq!(open, ["xdg-open", "gio"]);
        let show = show_commands(f);
        assert_eq!(show[0].get_program(), "gdbus");
        assert!(show[0].get_args().any(|a| a == "['file:///tmp/x/card.csv']"));
        assert_eq!(show[1].get_args().collect::<Vec<_>>(), ["/tmp/x"]);
    }
}
