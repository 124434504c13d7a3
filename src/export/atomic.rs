//! Writing a file so that it is never seen half-written: a temporary file in the same folder,
//! synced as it is written, renamed into place only when complete; on error or cancel the
//! temporary file is removed and the target is untouched.

use std::io::Write;
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};

/// Refuses a target that is a directory or whose folder does not exist, before anything is written.
pub fn check_target(target: &Path) -> Result<PathBuf> {
    let dir = match target.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    if target.is_dir() {
        return Err(Error::invalid("out", format!("{} is a directory", target.display())));
    }
    if !dir.is_dir() {
        return Err(Error::invalid("out", format!("the folder {} does not exist", dir.display())));
    }
    Ok(dir)
}

/// Writes `target` through a temporary file in the same folder, synced and renamed into place:
/// on error or cancel the temporary file is removed and the target is untouched.
pub fn write_atomically<T>(target: &Path, write: impl FnOnce(&mut dyn Write) -> Result<T>) -> Result<T> {
    let dir = check_target(target)?;
    let tmp = tempfile::Builder::new().prefix(".faxcredit-export-").suffix(".tmp").tempfile_in(&dir)?;
    let file = tmp.as_file();
    let out = std::thread::scope(|scope| -> Result<T> {
        // A helper syncs what is written so far while the rest is produced, so the final sync
        // waits for the last few megabytes, not the whole file (RocksDB's bytes_per_sync).
        let (kick, kicks) = std::sync::mpsc::sync_channel::<()>(1);
        let syncer = scope.spawn(move || {
            for () in kicks {
                // Advisory: a failure here leaves the work to the final sync, which reports it.
                let _ = file.sync_data();
            }
        });
        let mut w = std::io::BufWriter::with_capacity(1 << 16, SyncAhead { file, kick, unsynced: 0 });
        let out = write(&mut w);
        let flushed = w.flush();
        drop(w);
        syncer.join().map_err(|_| Error::Invariant("the export's sync helper panicked".into()))?;
        let out = out?;
        flushed?;
        Ok(out)
    })?;
    file.sync_all()?;
    tmp.persist(target).map_err(|e| Error::Io(e.error))?;
    Ok(out)
}

/// How much an export writes between two syncs started by its helper.
const SYNC_AHEAD_EVERY: u64 = 16 << 20;

/// The file under an export's buffer: asks the helper for a sync every [`SYNC_AHEAD_EVERY`]
/// bytes, and never waits for it.
struct SyncAhead<'f> {
    file: &'f std::fs::File,
    kick: std::sync::mpsc::SyncSender<()>,
    unsynced: u64,
}

impl Write for SyncAhead<'_> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = (&mut &*self.file).write(buf)?;
        self.unsynced += n as u64;
        if self.unsynced >= SYNC_AHEAD_EVERY {
            self.unsynced = 0;
            // Full means a sync is already under way or asked for; that one will do.
            let _ = self.kick.try_send(());
        }
        Ok(n)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        (&mut &*self.file).flush()
    }
}
