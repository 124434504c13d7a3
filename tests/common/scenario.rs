//! Setting up scenarios that depend on who runs the test and where: a read-only file or folder
//! (permissions stop a normal user but not root, for whom `chattr +i` or a read-only bind mount
//! does it), and the rule for a scenario that cannot be set up here: the test says so, and in CI
//! (`CI` set) it fails, so that a check nobody ran is never reported as passed.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// A scenario this machine cannot set up: fails in CI, else says so on stderr. The caller
/// returns right after.
pub fn cannot_run(test: &str, why: &str) {
    assert!(std::env::var_os("CI").is_none(), "{test}: cannot set up its scenario here ({why}), and CI must run it");
    eprintln!("NOT RUN {test}: {why}");
}

/// Whether this process runs as root (permissions do not stop it).
pub fn is_root() -> bool {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| s.lines().find_map(|l| l.strip_prefix("Uid:")).map(|v| v.split_whitespace().nth(1) == Some("0")))
        .unwrap_or(false)
}

/// Makes a path read-only until dropped.
pub enum ReadOnly {
    Mode(PathBuf, u32),
    Immutable(PathBuf),
    BindMount(PathBuf),
}

impl ReadOnly {
    /// `path` (a file or a folder) read-only to this process, by the first way that works here
    /// and is proven to: `None` when none does.
    #[cfg(unix)]
    pub fn set(path: &Path) -> Option<ReadOnly> {
        use std::os::unix::fs::PermissionsExt;
        let guard = if is_root() {
            let ok = |c: &mut Command| c.stderr(Stdio::null()).status().is_ok_and(|s| s.success());
            if ok(Command::new("chattr").arg("+i").arg(path)) {
                ReadOnly::Immutable(path.to_path_buf())
            } else if path.is_dir()
                && ok(Command::new("mount").arg("--bind").arg(path).arg(path))
                && ok(Command::new("mount").args(["-o", "remount,bind,ro"]).arg(path))
            {
                ReadOnly::BindMount(path.to_path_buf())
            } else {
                let _ = Command::new("umount").arg(path).stderr(Stdio::null()).status();
                return None;
            }
        } else {
            let mode = std::fs::metadata(path).ok()?.permissions().mode() & 0o7777;
            std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode & !0o222)).ok()?;
            ReadOnly::Mode(path.to_path_buf(), mode)
        };
        guard.holds().then_some(guard)
    }

    #[cfg(not(unix))]
    pub fn set(_path: &Path) -> Option<ReadOnly> {
        None
    }

    /// Proves it: a folder refuses a new file, a file refuses to be opened for writing.
    fn holds(&self) -> bool {
        let path = match self {
            ReadOnly::Mode(p, _) | ReadOnly::Immutable(p) | ReadOnly::BindMount(p) => p,
        };
        if path.is_dir() {
            let probe = path.join(".read-only-probe");
            let created = std::fs::File::create(&probe).is_ok();
            let _ = std::fs::remove_file(&probe);
            !created
        } else {
            std::fs::OpenOptions::new().append(true).open(path).is_err()
        }
    }
}

impl Drop for ReadOnly {
    fn drop(&mut self) {
        match self {
            #[cfg(unix)]
            ReadOnly::Mode(p, mode) => {
                use std::os::unix::fs::PermissionsExt;
                let _ = std::fs::set_permissions(p, std::fs::Permissions::from_mode(*mode));
            }
            #[cfg(not(unix))]
            ReadOnly::Mode(..) => {}
            ReadOnly::Immutable(p) => {
                let _ = Command::new("chattr").arg("-i").arg(&*p).status();
            }
            ReadOnly::BindMount(p) => {
                let _ = Command::new("umount").arg(&*p).status();
            }
        }
    }
}
