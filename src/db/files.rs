//! The ledger's files as this connection opened them: the database, its `-wal` and its `-shm`.
//!
//! SQLite's locks on Unix are POSIX advisory locks, which belong to the process: any other code in
//! the process that opens and closes one of these files drops every lock SQLite holds on it, and
//! the next program to close the ledger then checkpoints and unlinks the WAL under us. From then
//! on this connection would write into a deleted file. So every commit first checks that the
//! files at the ledger's path are still the ones it opened ([`Identity::changed`], from a commit
//! hook), and a connection found writing into replaced files is closed without touching them.
//! The rule that keeps this from happening at all is in ARCHITECTURE.md: nothing in a process
//! that holds the ledger open opens its files except SQLite.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, Weak};

/// Which file of the ledger changed, in words for a person.
pub type Change = String;

/// Device and inode of each file, taken while the connection holds them open.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Identity {
    db: PathBuf,
    ids: [Option<FileId>; 3],
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct FileId {
    dev: u64,
    ino: u64,
}

/// The files of every connection open in this process. SQLite shares one mapping of the shared
/// memory between all connections of a process to the same database file, so a connection opened
/// beside one whose files were replaced would use the stale mapping: [`refuse_beside_stale`].
static OPEN: Mutex<Vec<Weak<Identity>>> = Mutex::new(Vec::new());

/// Registers the files of a connection that just opened them.
pub fn register(files: &Arc<Identity>) {
    let mut open = OPEN.lock().unwrap_or_else(|p| p.into_inner());
    open.retain(|w| w.strong_count() > 0);
    open.push(Arc::downgrade(files));
}

/// `Err` with the change when another connection of this process still holds files of the same
/// database file that were since removed or replaced: it must be closed before the ledger can be
/// opened again.
pub fn refuse_beside_stale(db: &Path) -> Result<(), Change> {
    let Some(main) = file_id(db) else { return Ok(()) };
    let open = OPEN.lock().unwrap_or_else(|p| p.into_inner());
    for files in open.iter().filter_map(Weak::upgrade) {
        if files.ids[0] == Some(main) {
            if let Some(change) = files.changed() {
                return Err(format!("{change}; another connection of this program still holds the old files"));
            }
        }
    }
    Ok(())
}

/// `ledger.db`, `ledger.db-wal`, `ledger.db-shm`.
pub fn ledger_files(db: &Path) -> [PathBuf; 3] {
    let with = |suffix: &str| {
        let mut s = db.as_os_str().to_os_string();
        s.push(suffix);
        PathBuf::from(s)
    };
    [db.to_path_buf(), with("-wal"), with("-shm")]
}

/// stat(2), never open(2): looking must not drop SQLite's locks. On Linux, statx(2) asks for the
/// inode alone (the device always comes with it). A full stat (`std::fs::metadata` asks for every
/// field) of the WAL between a commit's writes and its fsync made each durable commit of the
/// billing bench 30–50 µs slower on ext4; the inode alone costs about 0.7 µs a call in a loop,
/// six a write transaction (README, Performance).
#[cfg(target_os = "linux")]
fn file_id(path: &Path) -> Option<FileId> {
    use rustix::fs::{makedev, statx, AtFlags, StatxFlags, CWD};
    match statx(CWD, path, AtFlags::empty(), StatxFlags::INO) {
        Ok(st) => Some(FileId { dev: makedev(st.stx_dev_major, st.stx_dev_minor), ino: st.stx_ino }),
        // A kernel before 4.11, or a sandbox that refuses statx: the full stat.
        Err(rustix::io::Errno::NOSYS | rustix::io::Errno::PERM) => full_stat_id(path),
        Err(_) => None,
    }
}

#[cfg(all(unix, not(target_os = "linux")))]
fn file_id(path: &Path) -> Option<FileId> {
    full_stat_id(path)
}

#[cfg(unix)]
fn full_stat_id(path: &Path) -> Option<FileId> {
    use std::os::unix::fs::MetadataExt;
    std::fs::metadata(path).ok().map(|m| FileId { dev: m.dev(), ino: m.ino() })
}

#[cfg(not(unix))]
fn file_id(_path: &Path) -> Option<FileId> {
    // Windows locks belong to the handle, not the process, and a file held open cannot be
    // deleted or replaced there: the hazard this guards against does not exist.
    None
}

impl Identity {
    /// The files as they are now. Call while the connection has them open (after a read).
    pub fn take(db: &Path) -> Identity {
        let files = ledger_files(db);
        Identity { db: db.to_path_buf(), ids: [file_id(&files[0]), file_id(&files[1]), file_id(&files[2])] }
    }

    /// What changed since [`Identity::take`]: a file replaced (another inode at the path) or
    /// removed. A file that did not exist then is not watched.
    pub fn changed(&self) -> Option<Change> {
        let files = ledger_files(&self.db);
        for (path, was) in files.iter().zip(self.ids.iter()) {
            let Some(was) = was else { continue };
            match file_id(path) {
                None => return Some(format!("{} was removed", path.display())),
                Some(now) if now != *was => return Some(format!("{} was replaced", path.display())),
                Some(_) => {}
            }
        }
        None
    }
}

/// Whether `candidate` is one of the ledger's own files (the database, its WAL or its shared
/// memory), by identity rather than by name, so a link or another spelling of the path is caught.
/// Front ends refuse to read or write such a file with anything but SQLite.
pub fn is_ledger_file(db: &Path, candidate: &Path) -> bool {
    let files = ledger_files(db);
    if files.iter().any(|f| f == candidate) {
        return true;
    }
    let Some(id) = file_id(candidate) else {
        // A file that does not exist yet: compare the names once its folder is resolved.
        let resolve = |p: &Path| -> Option<PathBuf> {
            let dir = p.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(Path::new("."));
            Some(std::fs::canonicalize(dir).ok()?.join(p.file_name()?))
        };
        let Some(c) = resolve(candidate) else { return false };
        return files.iter().any(|f| resolve(f).is_some_and(|f| f == c));
    };
    files.iter().any(|f| file_id(f) == Some(id))
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;

    #[test]
    fn sees_a_wal_removed_or_replaced_under_it() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("ledger.db");
        for f in ledger_files(&db) {
            std::fs::write(f, b"x").unwrap();
        }
        let id = Identity::take(&db);
        assert_eq!(id.changed(), None);
        let wal = dir.path().join("ledger.db-wal");
        // Held open, as SQLite holds it, so its inode cannot be reused by the file that replaces it.
        let _held = std::fs::File::open(&wal).unwrap();
        std::fs::remove_file(&wal).unwrap();
        assert!(id.changed().unwrap().ends_with("ledger.db-wal was removed"));
        std::fs::write(&wal, b"new").unwrap();
        assert!(id.changed().unwrap().ends_with("ledger.db-wal was replaced"));
    }

    #[test]
    fn the_cheap_look_names_a_file_as_a_full_stat_does() {
        let dir = tempfile::tempdir().unwrap();
        let (a, b) = (dir.path().join("a"), dir.path().join("b"));
        std::fs::write(&a, b"a").unwrap();
        std::fs::write(&b, b"b").unwrap();
        assert_eq!(file_id(&a), full_stat_id(&a));
        assert_ne!(file_id(&a), file_id(&b));
        assert_eq!(file_id(&dir.path().join("missing")), None);
    }

    #[test]
    fn knows_the_ledgers_own_files_by_any_name() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("ledger.db");
        std::fs::write(&db, b"x").unwrap();
        std::fs::write(dir.path().join("ledger.db-wal"), b"x").unwrap();
        assert!(is_ledger_file(&db, &db));
        assert!(is_ledger_file(&db, &dir.path().join("./ledger.db-wal")));
        assert!(is_ledger_file(&db, &dir.path().join("ledger.db-shm")), "not there yet, still its name");
        std::os::unix::fs::symlink(&db, dir.path().join("link.db")).unwrap();
        assert!(is_ledger_file(&db, &dir.path().join("link.db")));
        assert!(!is_ledger_file(&db, &dir.path().join("export.csv")));
        std::fs::write(dir.path().join("export.csv"), b"x").unwrap();
        assert!(!is_ledger_file(&db, &dir.path().join("export.csv")));
    }
}
