//! The cards and their activity: `card apply`, `cards`, `activity`, `export`, `attempts`.

use std::io::Write;
use std::ops::ControlFlow;
use std::path::PathBuf;

use super::io::{card_id, print_json};
use super::output::{self, CardJson};
use clap::Subcommand;
use faxcredit::db::Db;
use faxcredit::error::{Error, Result};
use faxcredit::ledger::{self, ActivityQuery};
use faxcredit::money;
use faxcredit::time::{parse_ts, Timestamp};

#[derive(Debug, Subcommand)]
pub enum CardCommand {
    /// Apply a card (no payment): prepaid accounts only.
    Apply {
        #[arg(allow_hyphen_values = true)]
        value: String,
        #[arg(long, default_value = "0", allow_hyphen_values = true)]
        bonus: String,
    },
}

pub fn apply(path: &faxcredit::db::Location, value: String, bonus: String, now: Timestamp) -> Result<i32> {
    let value = money::parse_amount(&value, "value")?;
    let bonus = money::parse_amount(&bonus, "bonus")?;
    let mut db = Db::open(path)?;
    let c = ledger::apply_card(&mut db, value, bonus, now)?;
    outln!("applied card {}: {} ({} + {} bonus)", c.id, c.original_balance, c.face_value, c.bonus);
    Ok(0)
}

pub fn list(path: &faxcredit::db::Location, json: bool, now: Timestamp) -> Result<i32> {
    let mut db = Db::open(path)?;
    ledger::cards::roll_credit_month(&mut db, now)?;
    let cards = ledger::cards(&mut db)?;
    if json {
        print_json(&cards.iter().map(CardJson::from).collect::<Vec<_>>())?;
    } else if cards.is_empty() {
        outln!("no cards yet");
    } else {
        out!("{}", output::cards_table(&cards));
    }
    Ok(0)
}

/// A time (RFC 3339), or a day of the account's zone (`2026-11-24`): `from` its first instant,
/// `to` the first instant of the next day (the day is included).
fn bound(db: &Db, given: Option<String>, field: &str) -> Result<Option<Timestamp>> {
    let Some(s) = given else { return Ok(None) };
    if s.trim().len() != 10 {
        return parse_ts(&s, field).map(Some);
    }
    let zone = faxcredit::account::time_zone(db.conn())?;
    let (from, to) = if field == "from" { zone.day_range(Some(&s), None)? } else { zone.day_range(None, Some(&s))? };
    Ok(from.or(to))
}

/// `activity`: one card's lines, paged or all, as a table, JSON or CSV. Long only for its
/// options, each a line.
pub fn activity(
    path: &faxcredit::db::Location,
    card: String,
    json: bool,
    limit: Option<u64>,
    user: Option<String>,
    from: Option<String>,
    to: Option<String>,
) -> Result<i32> {
    let mut db = Db::open(path)?;
    let filtered = user.is_some() || from.is_some() || to.is_some();
    let mut q = ActivityQuery {
        card_id: card_id(&card)?,
        before: None,
        limit: 1_000,
        user,
        from: bound(&db, from, "from")?,
        to: bound(&db, to, "to")?,
        ..ActivityQuery::default()
    };
    let mut left = limit.unwrap_or(u64::MAX);
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    let mut first = true;
    loop {
        q.limit = left.min(1_000) as i64;
        if q.limit == 0 {
            break;
        }
        let page = ledger::activity_page(&mut db, &q)?;
        if first {
            if !json {
                let c = &page.card;
                writeln!(
                    out,
                    "card {}: {} lines, used {} of {} ({}%), balance {}",
                    c.id, c.lines, c.used, c.original_balance, c.percent_used, c.balance
                )?;
                if page.lines.is_empty() {
                    if filtered && c.lines > 0 {
                        writeln!(out, "no fax on this card matches the filter")?;
                    } else {
                        writeln!(out, "no faxes have been billed to this card")?;
                    }
                }
            }
            first = false;
        }
        if json {
            for l in &page.lines {
                serde_json::to_writer(&mut out, l).map_err(|e| Error::Invariant(e.to_string()))?;
                writeln!(out)?;
            }
        } else if !page.lines.is_empty() {
            write!(
                out,
                "{}",
                output::table(&output::ACTIVITY_HEADERS, &output::ACTIVITY_RIGHT, &output::activity_rows(&page.lines))
            )?;
        }
        left -= page.lines.len() as u64;
        match page.next_before {
            Some(b) => q.before = Some(b),
            None => break,
        }
    }
    out.flush()?;
    Ok(0)
}

pub fn export(path: &faxcredit::db::Location, card: String, out: PathBuf, no_bom: bool) -> Result<i32> {
    let mut db = Db::open(path)?;
    let id = card_id(&card)?;
    let opts = faxcredit::export::CsvOptions { bom: !no_bom };
    let s = faxcredit::export::export_card_with(&mut db, id, &out, opts, &mut |_| ControlFlow::Continue(()))?;
    outln!("exported {} lines of card {} to {}", s.rows, s.card_id, s.path.display());
    Ok(0)
}

pub fn attempts(path: &faxcredit::db::Location, json: bool) -> Result<i32> {
    let db = Db::open(path)?;
    let a = ledger::attempts(&db, 1_000)?;
    if json {
        print_json(&a)?;
    } else {
        let rows: Vec<Vec<String>> = a
            .iter()
            .map(|a| {
                vec![
                    a.at.clone(),
                    a.fax_id.clone(),
                    a.user.clone(),
                    a.destination.clone(),
                    a.cost.to_string(),
                    a.available.to_string(),
                ]
            })
            .collect();
        out!(
            "{}",
            output::table(
                &["AT", "FAX", "USER", "DESTINATION", "COST", "AVAILABLE"],
                &[false, false, false, false, true, true],
                &rows
            )
        );
    }
    Ok(0)
}
