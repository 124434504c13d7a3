//! The audit log as CSV (Settings → Audit log → Export, `faxcredit audit export`): the one
//! encoder, so the detail a manager or a failed login typed cannot turn into a formula.

use std::path::Path;

use super::{write_atomically, CsvOptions, CsvRow};
use crate::audit::entries;
use crate::db::Db;
use crate::error::Result;

pub const AUDIT_HEADER: [&str; 6] = ["id", "at", "actor", "via", "action", "detail"];

/// Every line of the audit log, oldest first, written atomically; returns how many.
pub fn export_audit(db: &Db, target: &Path, opts: CsvOptions) -> Result<u64> {
    db.refuse_own_file(target, "out")?;
    let mut list = entries(db, i64::MAX, None)?;
    list.reverse();
    write_atomically(target, |mut file| {
        let mut row = CsvRow::new();
        row.start(opts);
        for h in AUDIT_HEADER {
            row.plain(h.as_bytes());
        }
        row.end(&mut file)?;
        for e in &list {
            row.int(e.id);
            row.plain(e.at.as_bytes());
            row.text(e.actor.as_bytes());
            row.plain(e.via.as_str().as_bytes());
            row.plain(e.action.as_bytes());
            row.text(e.detail.as_bytes());
            row.end(&mut file)?;
        }
        row.flush(&mut file)?;
        Ok(list.len() as u64)
    })
}
