//! `audit [--json] [--limit N]` and `audit export --out FILE [--no-bom]`.

use std::path::PathBuf;

use clap::Subcommand;

use super::io::print_json;
use faxcredit::db::Db;
use faxcredit::error::{Error, Result};

#[derive(Debug, Subcommand)]
pub enum AuditCommand {
    /// Export the whole audit log to CSV, oldest first.
    Export {
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
        /// Leave out the UTF-8 byte-order mark (written by default so Excel reads the file as UTF-8).
        #[arg(long)]
        no_bom: bool,
    },
}

pub fn run(
    path: &faxcredit::db::Location,
    cmd: Option<AuditCommand>,
    json: bool,
    limit: Option<String>,
) -> Result<i32> {
    let db = Db::open(path)?;
    faxcredit::account::account(&db)?;
    if let Some(AuditCommand::Export { out, no_bom }) = cmd {
        let n = faxcredit::export::export_audit(&db, &out, faxcredit::export::CsvOptions { bom: !no_bom })?;
        println!("exported {n} audit log lines to {}", out.display());
        return Ok(0);
    }
    let limit = match limit {
        None => 200,
        Some(s) => s
            .trim()
            .parse::<i64>()
            .ok()
            .filter(|n| *n > 0)
            .ok_or_else(|| Error::invalid("limit", format!("{s:?} is not a positive whole number")))?,
    };
    let list = faxcredit::audit::entries(&db, limit, None)?;
    if json {
        return print_json(&list).map(|()| 0);
    }
    if list.is_empty() {
        println!("the audit log is empty");
    }
    for e in &list {
        let who = format!("{} ({})", e.actor, e.via.as_str());
        println!("{}  {who:<28}  {:<22}  {}", e.at, e.action, e.detail);
    }
    Ok(0)
}
