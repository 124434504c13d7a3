//! The order history as CSV (Settings → Order history → Export, `faxcredit orders export`).

use std::path::Path;

use super::{write_atomically, CsvOptions, CsvRow};
use crate::db::Db;
use crate::error::Result;
use crate::orders::orders;

pub const EXPORT_HEADER: [&str; 13] = [
    "order_id",
    "created_at",
    "kind",
    "package",
    "amount",
    "bonus",
    "currency",
    "card",
    "status",
    "reason",
    "new_card",
    "trigger_card",
    "placed_by",
];

/// The order history as CSV (RFC 4180, UTF-8 with a byte-order mark, CRLF, injection-safe),
/// written atomically.
pub fn export_orders(db: &Db, target: &Path) -> Result<u64> {
    export_orders_with(db, target, CsvOptions::default())
}

/// As [`export_orders`], with `opts` (the byte-order mark or not).
pub fn export_orders_with(db: &Db, target: &Path, opts: CsvOptions) -> Result<u64> {
    db.refuse_own_file(target, "out")?;
    let list = orders(db)?;
    let placers = crate::orders::placed_by::placers(db)?;
    write_atomically(target, |mut file| {
        let mut row = CsvRow::new();
        row.start(opts);
        for h in EXPORT_HEADER {
            row.plain(h.as_bytes());
        }
        row.end(&mut file)?;
        let id_or_empty = |row: &mut CsvRow, v: Option<i64>| match v {
            Some(id) => row.int(id),
            None => row.plain(b""),
        };
        for o in &list {
            row.int(o.id);
            row.plain(o.created_at.as_bytes());
            row.plain(o.kind.as_str().as_bytes());
            row.text(o.package.as_bytes());
            row.plain(o.amount.as_bytes());
            row.plain(o.bonus.as_bytes());
            row.plain(o.currency.as_bytes());
            row.plain(format!("{} {}", o.card_brand, o.card_last4).trim().as_bytes());
            row.plain(o.status.as_str().as_bytes());
            row.text(o.reason.as_deref().unwrap_or("").as_bytes());
            id_or_empty(&mut row, o.new_card);
            id_or_empty(&mut row, o.trigger_card);
            row.text(
                crate::orders::placed_by::placed_by(&placers, &o.key, o.kind == crate::orders::OrderKind::Automatic)
                    .as_bytes(),
            );
            row.end(&mut file)?;
        }
        row.flush(&mut file)?;
        Ok(list.len() as u64)
    })
}
