//! The native Save As dialog: one function, [`save_as`], for every file the app writes.
//!
//! On Linux the dialog never runs in the app's process. A GTK file chooser opens and reads the
//! files of the folder it shows (to sniff their types), and the close of such an open drops
//! every POSIX lock SQLite holds on the ledger, so the next program to close the ledger would
//! unlink its WAL under us (ARCHITECTURE.md, "Who opens the ledger's files"). So the app runs its
//! own binary in a dialog mode ([`run_helper`]): a child process shows the GTK dialog, made
//! transient for the app's window, and prints the path the user confirmed. On Windows and macOS
//! (no POSIX locks on the ledger there) the system dialog runs in process through rfd.

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};

use faxcredit::ErrorBody;
use tauri::{Runtime, WebviewWindow};

/// What the dialog asks: its title, the file name it proposes (with its extension), the filter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SaveAs {
    pub title: String,
    pub default_name: String,
    /// The filter's label, e.g. "CSV file".
    pub filter_name: String,
    /// The filter's extension without the dot, e.g. "csv".
    pub extension: String,
    /// The folder it opens in.
    pub directory: Option<PathBuf>,
}

/// The kinds of file the app saves, each with its dialog filter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileKind {
    Csv,
    Pdf,
}

impl FileKind {
    /// The filter's label and extension.
    pub fn filter(self) -> (&'static str, &'static str) {
        match self {
            FileKind::Csv => ("CSV file", "csv"),
            FileKind::Pdf => ("PDF document", "pdf"),
        }
    }
}

/// What a command that saves a file answers: where and how many rows, or that the user
/// cancelled (nothing was written). Every export answers with it.
#[derive(Debug, Clone, serde::Serialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum SaveResult {
    Saved {
        path: String,
        rows: u64,
    },
    /// The user closed the dialog, pressed Cancel, or cancelled the export: nothing was written.
    Cancelled,
}

/// One Save As at a time: a second would stack a second window over the first.
static OPEN: AtomicBool = AtomicBool::new(false);

struct OpenGuard;

impl OpenGuard {
    fn take() -> Result<OpenGuard, ErrorBody> {
        if OPEN.swap(true, Ordering::SeqCst) {
            return Err(ErrorBody::new("dialog_open", "a Save As window is already open: finish or cancel it first"));
        }
        Ok(OpenGuard)
    }
}

impl Drop for OpenGuard {
    fn drop(&mut self) {
        OPEN.store(false, Ordering::SeqCst);
    }
}

/// Shows the Save As dialog over `window`; the path exactly as the user confirmed it, or `None`
/// when they cancelled. The caller writes that path and no other.
pub async fn save_as<R: Runtime>(window: &WebviewWindow<R>, req: SaveAs) -> Result<Option<PathBuf>, ErrorBody> {
    let _one = OpenGuard::take()?;
    platform::save_as(window, req).await
}

/// The argument that starts the binary as the dialog helper.
pub const HELPER_FLAG: &str = "--save-dialog";

#[cfg(target_os = "linux")]
mod platform {
    use std::ffi::OsString;
    use std::os::unix::ffi::OsStringExt;
    use std::path::PathBuf;
    use std::process::{Command, Stdio};

    use faxcredit::ErrorBody;
    use tauri::{Runtime, WebviewWindow};

    use super::{SaveAs, HELPER_FLAG};

    /// The X11 id of the app's window, read on the GTK thread, so the helper's dialog can stay
    /// above it. `None` on Wayland (the dialog then simply opens on top).
    fn parent_xid<R: Runtime>(window: &WebviewWindow<R>) -> Option<u64> {
        let (tx, rx) = std::sync::mpsc::channel();
        let w = window.clone();
        window
            .run_on_main_thread(move || {
                use gtk::prelude::*;
                let xid = w
                    .gtk_window()
                    .ok()
                    .and_then(|g| g.window())
                    .and_then(|gdk| gdk.downcast::<gdkx11::X11Window>().ok())
                    .map(|x| x.xid());
                let _ = tx.send(xid);
            })
            .ok()?;
        rx.recv_timeout(std::time::Duration::from_secs(5)).ok().flatten()
    }

    pub async fn save_as<R: Runtime>(window: &WebviewWindow<R>, req: SaveAs) -> Result<Option<PathBuf>, ErrorBody> {
        let exe = std::env::current_exe().map_err(ErrorBody::internal)?;
        let mut cmd = Command::new(exe);
        cmd.arg(HELPER_FLAG)
            .arg("--title")
            .arg(&req.title)
            .arg("--name")
            .arg(&req.default_name)
            .arg("--filter-name")
            .arg(&req.filter_name)
            .arg("--extension")
            .arg(&req.extension);
        if let Some(dir) = &req.directory {
            cmd.arg("--directory").arg(dir);
        }
        if let Some(xid) = parent_xid(window) {
            cmd.arg("--parent").arg(xid.to_string());
        }
        cmd.stdin(Stdio::null()).stdout(Stdio::piped()).stderr(Stdio::inherit());
        let out = tauri::async_runtime::spawn_blocking(move || cmd.output())
            .await
            .map_err(ErrorBody::internal)?
            .map_err(|e| ErrorBody::new("dialog_failed", format!("the Save As window could not be shown: {e}")))?;
        if !out.status.success() {
            return Err(ErrorBody::new(
                "dialog_failed",
                format!("the Save As window could not be shown ({})", out.status),
            ));
        }
        Ok(parse_answer(out.stdout))
    }

    /// The helper prints the chosen path followed by a NUL, or nothing when cancelled.
    pub fn parse_answer(mut stdout: Vec<u8>) -> Option<PathBuf> {
        if stdout.last() != Some(&0) {
            return None;
        }
        stdout.pop();
        (!stdout.is_empty()).then(|| PathBuf::from(OsString::from_vec(stdout)))
    }

    /// The dialog itself, in the helper process: GTK's file chooser in Save mode, asking before
    /// it overwrites, with the proposed name selected up to its extension.
    pub fn run_helper(args: &[OsString]) -> i32 {
        use gtk::prelude::*;
        use std::io::Write;
        use std::os::unix::ffi::OsStrExt;

        let req = match super::parse_helper_args(args) {
            Ok(r) => r,
            Err(e) => {
                eprintln!("fax-credit {HELPER_FLAG}: {e}");
                return 2;
            }
        };
        if let Err(e) = gtk::init() {
            eprintln!("fax-credit {HELPER_FLAG}: cannot start GTK: {e}");
            return 1;
        }
        let dialog = gtk::FileChooserDialog::with_buttons(
            Some(req.0.title.as_str()),
            None::<&gtk::Window>,
            gtk::FileChooserAction::Save,
            &[("_Cancel", gtk::ResponseType::Cancel), ("_Save", gtk::ResponseType::Accept)],
        );
        dialog.set_default_response(gtk::ResponseType::Accept);
        dialog.set_do_overwrite_confirmation(true);
        dialog.set_modal(true);
        let filter = gtk::FileFilter::new();
        filter.set_name(Some(&req.0.filter_name));
        filter.add_pattern(&format!("*.{}", req.0.extension));
        filter.add_pattern(&format!("*.{}", req.0.extension.to_uppercase()));
        dialog.add_filter(filter);
        if let Some(dir) = &req.0.directory {
            dialog.set_current_folder(dir);
        }
        dialog.set_current_name(&req.0.default_name);
        if let Some(xid) = req.1 {
            dialog.realize();
            let foreign = gtk::gdk::Display::default()
                .and_then(|d| d.downcast::<gdkx11::X11Display>().ok())
                .map(|d| gdkx11::X11Window::foreign_new_for_display(&d, xid as _));
            if let (Some(parent), Some(own)) = (foreign, dialog.window()) {
                own.set_transient_for(parent.upcast_ref::<gtk::gdk::Window>());
            }
        }
        let answer = dialog.run();
        let chosen = (answer == gtk::ResponseType::Accept).then(|| dialog.filename()).flatten();
        dialog.hide();
        let mut out = std::io::stdout().lock();
        if let Some(path) = chosen {
            let _ = out.write_all(path.as_os_str().as_bytes());
            let _ = out.write_all(&[0]);
        }
        let _ = out.flush();
        0
    }
}

#[cfg(not(target_os = "linux"))]
mod platform {
    use std::ffi::OsString;
    use std::path::PathBuf;

    use faxcredit::ErrorBody;
    use tauri::{Runtime, WebviewWindow};

    use super::SaveAs;

    pub async fn save_as<R: Runtime>(window: &WebviewWindow<R>, req: SaveAs) -> Result<Option<PathBuf>, ErrorBody> {
        let mut dialog = rfd::AsyncFileDialog::new()
            .set_title(&req.title)
            .set_file_name(&req.default_name)
            .add_filter(&req.filter_name, &[req.extension.as_str()])
            .set_parent(window);
        if let Some(dir) = &req.directory {
            dialog = dialog.set_directory(dir);
        }
        Ok(dialog.save_file().await.map(|f| f.path().to_path_buf()))
    }

    pub fn run_helper(_args: &[OsString]) -> i32 {
        eprintln!("fax-credit: the Save As helper is only used on Linux");
        2
    }
}

/// Runs the dialog helper when the binary was started as one (`fax-credit --save-dialog …`);
/// its exit code, or `None` for a normal start.
pub fn helper_main() -> Option<i32> {
    let args: Vec<std::ffi::OsString> = std::env::args_os().skip(1).collect();
    (args.first().is_some_and(|a| a == HELPER_FLAG)).then(|| platform::run_helper(&args[1..]))
}

/// The helper's arguments: the request and the parent window's X11 id.
fn parse_helper_args(args: &[std::ffi::OsString]) -> Result<(SaveAs, Option<u64>), String> {
    let mut req = SaveAs {
        title: "Save As".into(),
        default_name: String::new(),
        filter_name: String::new(),
        extension: String::new(),
        directory: None,
    };
    let mut parent = None;
    let mut it = args.iter();
    while let Some(flag) = it.next() {
        let value = it.next().ok_or_else(|| format!("{} needs a value", flag.to_string_lossy()))?;
        let text =
            || value.to_str().map(str::to_string).ok_or_else(|| format!("{} is not text", flag.to_string_lossy()));
        match flag.to_str() {
            Some("--title") => req.title = text()?,
            Some("--name") => req.default_name = text()?,
            Some("--filter-name") => req.filter_name = text()?,
            Some("--extension") => req.extension = text()?,
            Some("--directory") => req.directory = Some(PathBuf::from(value)),
            Some("--parent") => parent = Some(text()?.parse().map_err(|_| "--parent is not a window id".to_string())?),
            _ => return Err(format!("unknown argument {}", flag.to_string_lossy())),
        }
    }
    if req.default_name.is_empty() || req.extension.is_empty() {
        return Err("--name and --extension are required".into());
    }
    Ok((req, parent))
}

/// The folder a Save As opens in: the last one the user saved to in this session, else their
/// Documents folder, else their home.
pub fn start_folder(last: Option<PathBuf>) -> Option<PathBuf> {
    last.filter(|d| d.is_dir()).or_else(|| {
        let home = std::env::var_os("HOME").map(PathBuf::from)?;
        let docs = home.join("Documents");
        Some(if docs.is_dir() { docs } else { home }).filter(|d| d.is_dir())
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::ffi::OsString;

    fn os(args: &[&str]) -> Vec<OsString> {
        args.iter().map(OsString::from).collect()
    }

    #[test]
    fn the_helper_reads_its_request_and_refuses_a_partial_one() {
        let (req, parent) = parse_helper_args(&os(&[
            "--title",
            "Export Activity",
            "--name",
            "card-1-activity-2026-11-26.csv",
            "--filter-name",
            "CSV file",
            "--extension",
            "csv",
            "--directory",
            "/tmp",
            "--parent",
            "4194311",
        ]))
        .unwrap();
        assert_eq!(req.title, "Export Activity");
        assert_eq!(req.default_name, "card-1-activity-2026-11-26.csv");
        assert_eq!(req.directory, Some(PathBuf::from("/tmp")));
        assert_eq!(parent, Some(4194311));
        assert!(parse_helper_args(&os(&["--title", "x"])).is_err());
        assert!(parse_helper_args(&os(&["--name"])).is_err());
        assert!(parse_helper_args(&os(&["--name", "a.csv", "--extension", "csv", "--parent", "x"])).is_err());
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn takes_exactly_the_path_the_helper_printed() {
        use platform::parse_answer;
        assert_eq!(parse_answer(b"/tmp/My Report.csv\0".to_vec()), Some(PathBuf::from("/tmp/My Report.csv")));
        assert_eq!(parse_answer(b"/tmp/no-extension\0".to_vec()), Some(PathBuf::from("/tmp/no-extension")));
        assert_eq!(parse_answer(Vec::new()), None, "cancelled");
        assert_eq!(parse_answer(b"/tmp/cut-off".to_vec()), None, "a helper that died mid-answer saves nothing");
    }

    #[test]
    fn one_save_as_at_a_time() {
        let first = OpenGuard::take().unwrap();
        assert_eq!(OpenGuard::take().err().unwrap().code, "dialog_open");
        drop(first);
        assert!(OpenGuard::take().is_ok());
    }
}
