//! A private OS keyring for a test that runs the real CLI: a session bus of its own
//! (`dbus-run-session`) with an unlocked gnome-keyring, so the CLI keeps the payment card and
//! the SMTP password in a real Secret Service, never the developer's own.

use std::ffi::OsStr;
use std::path::Path;
use std::process::{Command, Output, Stdio};

/// Runs `script` (`sh`) on a private session bus whose keyring is unlocked, with `HOME` under
/// `dir` and the environment `env`. `None`, after saying so (a failure in CI), when this
/// machine has no `dbus-run-session` or `gnome-keyring-daemon`.
pub fn in_private_keyring(test: &str, dir: &Path, script: &str, env: &[(&str, &OsStr)]) -> Option<Output> {
    let tools = Command::new("sh")
        .args(["-c", "command -v dbus-run-session && command -v gnome-keyring-daemon"])
        .output()
        .is_ok_and(|o| o.status.success());
    if !tools {
        super::scenario::cannot_run(test, "needs dbus-run-session and gnome-keyring-daemon");
        return None;
    }
    let home = dir.join("home");
    std::fs::create_dir_all(&home).unwrap();
    let unlocked = format!(
        "echo -n faxcredit-test | gnome-keyring-daemon --unlock --components=secrets >/dev/null || exit 90\n{script}"
    );
    let mut c = Command::new("dbus-run-session");
    c.args(["--", "sh", "-c", &unlocked]).env("HOME", &home).env("XDG_DATA_HOME", home.join("data"));
    for (k, v) in env {
        c.env(k, v);
    }
    Some(c.stdin(Stdio::null()).output().unwrap())
}
