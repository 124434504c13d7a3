//! The audit log as CSV (Settings → Audit log → Export, `faxcredit audit export`): the one
//! encoder, so the detail a manager or a failed login typed cannot turn into a formula. The
//! lines are streamed from the database to the file, oldest first, on both engines.

use std::path::Path;

use super::{write_atomically, CsvOptions, CsvRow};
use crate::db::Db;
use crate::error::Result;

pub const AUDIT_HEADER: [&str; 6] = ["id", "at", "actor", "via", "action", "detail"];

/// Every line of the audit log, oldest first, written atomically; returns how many.
pub fn export_audit(db: &Db, target: &Path, opts: CsvOptions) -> Result<u64> {
    db.refuse_own_file(target, "out")?;
    write_atomically(target, |mut file| {
        let mut row = CsvRow::new();
        row.start(opts);
        for h in AUDIT_HEADER {
            row.plain(h.as_bytes());
        }
        row.end(&mut file)?;
        let mut n = 0u64;
        // One statement: one snapshot of the log, whichever engine.
        db.conn().for_each("SELECT id, at, actor, via, action, detail FROM audit_log ORDER BY id", &[], |r| {
            let text = |i| r.text_bytes(i).map(Option::unwrap_or_default);
            row.int(r.get(0)?);
            row.plain(text(1)?);
            row.text(text(2)?);
            // As `audit::entries` reads it: a line of no known origin is the app's.
            row.plain(match text(3)? {
                b"cli" => b"cli",
                b"system" => b"system",
                _ => b"app",
            });
            row.plain(text(4)?);
            row.text(text(5)?);
            row.end(&mut file)?;
            n += 1;
            Ok(())
        })?;
        row.flush(&mut file)?;
        Ok(n)
    })
}
