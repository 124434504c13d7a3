//! The gateways' commands: `bill` one fax, `import` a log of them.

use std::io::Write;
use std::path::Path;

use clap::Args;
use faxcredit::account;
use faxcredit::db::Db;
use faxcredit::error::{Error, Result};
use faxcredit::import::RecordStatus;
use faxcredit::ledger::{Outcome, RawFax};
use faxcredit::time::Timestamp;

#[derive(Debug, Args)]
pub struct BillArgs {
    /// The whole InterFAX record as JSON, instead of the flags.
    #[arg(long, conflicts_with_all = ["id", "user", "to", "pages", "duration", "at", "subject"])]
    pub json: Option<String>,
    #[arg(long, required_unless_present = "json")]
    pub id: Option<String>,
    #[arg(long, required_unless_present = "json")]
    pub user: Option<String>,
    #[arg(long, required_unless_present = "json", value_name = "NUMBER")]
    pub to: Option<String>,
    #[arg(long, required_unless_present = "json", allow_hyphen_values = true)]
    pub pages: Option<String>,
    /// Seconds.
    #[arg(long, allow_hyphen_values = true)]
    pub duration: Option<String>,
    /// Submit time, RFC 3339 (default: now).
    #[arg(long, value_name = "RFC3339")]
    pub at: Option<String>,
    #[arg(long)]
    pub subject: Option<String>,
}

pub fn bill(path: &faxcredit::db::Location, args: BillArgs, now: Timestamp) -> Result<i32> {
    let record = match args.json {
        Some(j) => RawFax::from_json(&j)?.read()?,
        // Without --at the fax is stamped with the time it is billed, and the stamp is not
        // compared with a fax billed before: a gateway's retry of the same command is `exists`.
        None => RawFax {
            id: args.id,
            user_id: args.user,
            destination_fax: args.to,
            submit_time: args.at,
            pages_sent: args.pages.clone(),
            pages_submitted: args.pages,
            duration: args.duration,
            subject: args.subject,
            ..RawFax::default()
        }
        .read_stamped(now)?,
    };
    let mut db = Db::open(path)?;
    let outcome = faxcredit::billing::bill_record(&mut db, &record, now);
    // A fax that took a card to 95% may have placed a repeat order, and a crash may have left
    // one pending: charge them now, whether this fax was billed or refused.
    super::secrets::reconcile(&mut db);
    match outcome? {
        Outcome::Billed { fax_id, cost, lines, closed_cards, .. } => {
            let parts: Vec<String> = lines.iter().map(|l| format!("{} on card {}", l.amount, l.card_id)).collect();
            outln!("billed fax {fax_id}: {cost} ({})", parts.join(", "));
            for c in closed_cards {
                outln!("card {c} is used up and closed");
            }
        }
        Outcome::Exists { fax_id } => {
            outln!("exists: fax {fax_id} was already billed with these fields; nothing changed")
        }
        Outcome::Pending { fax_id, status } => {
            outln!("pending: fax {fax_id} is still in process (status {status}); nothing billed until it has completed")
        }
        Outcome::Refused { .. } => unreachable_refusal()?,
    }
    Ok(0)
}

fn unreachable_refusal() -> Result<()> {
    Err(Error::Invariant("a refusal was returned as success".into()))
}

pub fn import(path: &faxcredit::db::Location, file: &Path, json: bool, now: Timestamp) -> Result<i32> {
    let mut db = Db::open(path)?;
    let mut err = std::io::stderr().lock();
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    let summary = faxcredit::import::import_file_with(
        &mut db,
        file,
        now,
        &mut |r| {
            if json {
                let _ = serde_json::to_writer(&mut out, r);
                let _ = writeln!(out);
            } else if !matches!(r.status, RecordStatus::Billed | RecordStatus::Exists) {
                let _ = writeln!(
                    err,
                    "faxcredit: line {}{}: {} [{}]",
                    r.line,
                    r.fax_id.as_ref().map(|i| format!(" (fax {i})")).unwrap_or_default(),
                    r.message.as_deref().unwrap_or(""),
                    // Pending, the one outcome named here that is not an error, has no code.
                    r.code.as_deref().unwrap_or("pending")
                );
            }
        },
        &mut |db| {
            super::secrets::reconcile(db);
        },
    )?;
    if !json {
        let currency = account::account(&db)?.currency;
        writeln!(
            out,
            "{} records: {} billed ({} {currency}), {} exists (billed before), {} pending (in process), \
             {} refused (205000 - Quota Exceeded), {} exists with different fields, {} invalid",
            summary.records,
            summary.billed,
            summary.amount_billed,
            summary.exists,
            summary.pending,
            summary.refused,
            summary.different,
            summary.invalid
        )?;
    }
    out.flush()?;
    // The worst problem decides the exit code: bad input, then conflicts, then quota; billed,
    // exists and pending records are all done (0).
    Ok(if summary.invalid > 0 {
        2
    } else if summary.different > 0 {
        4
    } else if summary.refused > 0 {
        3
    } else {
        0
    })
}
