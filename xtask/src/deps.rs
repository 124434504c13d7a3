//! Installs what the project needs on a fresh Debian/Ubuntu machine: apt packages as root or
//! with passwordless sudo, otherwise the exact command to run is printed and we stop.

use crate::sh::{cmd, Step};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Need {
    Run,
    Test,
}

/// Build and run the desktop app (Tauri 2 on WebKitGTK).
const RUN: &[&str] = &[
    "build-essential",
    "pkg-config",
    "libwebkit2gtk-4.1-dev",
    "libayatana-appindicator3-dev",
    "librsvg2-dev",
    "libxdo-dev",
    "libssl-dev",
    "libdbus-1-dev",
    "nodejs",
    "npm",
];

/// Drive the real app in tests: a virtual display, window tools, WebDriver, the keyring.
const TEST: &[&str] = &[
    "xvfb",
    "xdotool",
    // xprop: the e2e tests tell the app's open popup menu from a tooltip by its window type.
    "x11-utils",
    "webkit2gtk-driver",
    "dbus-x11",
    "dbus-daemon",
    "gnome-keyring",
    "libsecret-tools",
    "imagemagick",
    "sqlite3",
    // pdftotext: the receipts' text is read back from their PDFs.
    "poppler-utils",
    // The server of the tests' private cluster (xtask/src/pg.rs), and psql.
    "postgresql",
    // kill(1): a server or display that does not stop when asked is killed.
    "procps",
];

fn installed(pkg: &str) -> bool {
    std::process::Command::new("dpkg-query")
        .args(["-W", "-f=${Status}", pkg])
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).contains("install ok installed"))
}

pub(crate) fn is_root() -> bool {
    std::process::Command::new("id").arg("-u").output().is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
}

pub fn ensure(need: Need) -> Step {
    if !cfg!(target_os = "linux") || !cmd("dpkg-query", &["--version"]).succeeds() {
        // Not Debian: nothing we can install; the build will say what is missing.
        return Ok(());
    }
    let mut want: Vec<&str> = RUN.to_vec();
    if need == Need::Test {
        want.extend_from_slice(TEST);
    }
    install_missing(want)
}

/// Installs these Debian packages when missing (tools of a single command, e.g. the packagers').
pub fn ensure_packages(packages: &[&str]) -> Step {
    if !cfg!(target_os = "linux") || !cmd("dpkg-query", &["--version"]).succeeds() {
        return Ok(());
    }
    install_missing(packages.to_vec())
}

fn install_missing(mut want: Vec<&str>) -> Step {
    // Node from elsewhere (nvm, a tarball) is as good as Debian's.
    if cmd("npm", &["--version"]).succeeds() {
        want.retain(|p| *p != "nodejs" && *p != "npm");
    }
    let missing: Vec<&str> = want.into_iter().filter(|p| !installed(p)).collect();
    if missing.is_empty() {
        return Ok(());
    }
    println!("xtask: installing {}", missing.join(" "));
    let sudo = if is_root() {
        None
    } else if cmd("sudo", &["-n", "true"]).succeeds() {
        Some("sudo")
    } else {
        return Err(format!(
            "missing packages; run this, then try again:\n  sudo apt-get update && sudo apt-get install -y {}",
            missing.join(" ")
        ));
    };
    let run = |args: &[&str]| -> Step {
        match sudo {
            Some(s) => {
                let mut a = vec!["env", "DEBIAN_FRONTEND=noninteractive"];
                a.extend_from_slice(args);
                cmd(s, &a).run()
            }
            None => {
                let mut c = cmd(args[0], &args[1..]);
                c = c.env("DEBIAN_FRONTEND", "noninteractive");
                c.run()
            }
        }
    };
    run(&["apt-get", "update", "-qq"])?;
    let mut install = vec!["apt-get", "install", "-y", "-qq", "--no-install-recommends"];
    install.extend(missing.iter());
    run(&install)
}

/// tauri-driver, the WebDriver server for Tauri apps, from crates.io.
pub fn ensure_tauri_driver() -> Step {
    if cmd("tauri-driver", &["--help"]).succeeds() {
        return Ok(());
    }
    cmd("cargo", &["install", "tauri-driver", "--locked", "--version", "^2"]).run()
}
